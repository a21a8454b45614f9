// Prefix lengths of generated tables, as [length, share in %] pairs.

/**
 * IPv4 as in a real table: /24 to /19 take 92%, and the rest goes to /8-/18 in the proportions of
 * a real table (2024: 16 /8s, 13 /9s, ..., 1,900 /15s, 8,000 /17s, 13,500 /18s): a flat spread
 * would cover every /8 several times over.
 */
export const V4_LENGTHS: Array<[number, number]> = [
  [24, 59],
  [22, 11],
  [23, 9],
  [21, 5],
  [20, 5],
  [19, 3],
  [16, 2.4],
  [18, 2.9],
  [17, 1.74],
  [15, 0.41],
  [14, 0.25],
  [13, 0.12],
  [12, 0.06],
  [11, 0.02],
  [10, 0.008],
  [9, 0.003],
  [8, 0.003],
];

/** IPv6 as in a real table: /48 takes 45%, /32 16%, /44 10%, /40 8%, and /28 to /47 the rest. */
export const V6_LENGTHS: Array<[number, number]> = [
  [48, 45],
  [32, 16],
  [44, 10],
  [40, 8],
  [36, 4],
  [29, 3],
  [47, 2],
  [46, 2],
  [42, 2],
  [28, 0.5],
  [30, 0.5],
  [31, 0.5],
  [33, 0.5],
  [34, 0.5],
  [35, 0.5],
  [38, 0.5],
  [45, 0.5],
];
