// What a reader sees of a stored event. Every path that shows events (lists, ?expand=events,
// streams) renders them here and only here, so a tenant can never get operator-only facts by a
// path that forgot to strip them: the operator reads the internal facts merged into details and
// the internal summary (the one that names other tenants); a partner or customer reads the
// tenant-safe summary and details only.
import type { StoredPrefixEvent } from './prefix-events.js';

/** Who reads: the operator, or a tenant (partner or customer key). */
export type EventAudience = 'operator' | 'tenant';

/** An event as the API sends it (the PrefixEvent schema). */
export interface PrefixEventView {
  /** opaque (event-ids.ts); the same for every reader */
  id: string;
  time: string;
  type: string;
  level: string;
  summary: string;
  details: Record<string, unknown>;
  subjectKind: string;
  subject: string;
  /** the prefix the event is about (a hijacked more-specific, or the subject's own) */
  prefix: string;
  /** the registered or customer prefix the event belongs to */
  subjectPrefix: string;
}

export function eventView(e: StoredPrefixEvent, audience: EventAudience): PrefixEventView {
  let summary = e.summary;
  let details = e.details;
  if (audience === 'operator' && e.internal) {
    const { summary: internalSummary, ...facts } = e.internal;
    if (typeof internalSummary === 'string') summary = internalSummary;
    // The internal facts win a name clash: they are the fuller account of the same thing.
    details = { ...e.details, ...facts };
  }
  // Field by field, so nothing else a stored event carries (its row id, internal) gets out.
  return {
    id: e.id,
    time: e.time,
    type: e.type,
    level: e.level,
    summary,
    details,
    subjectKind: e.subjectKind,
    subject: e.subject,
    prefix: e.prefix,
    subjectPrefix: e.subjectPrefix,
  };
}
