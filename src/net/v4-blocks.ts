// Which /24 blocks of the IPv4 space a set of prefixes touches (covers, or lies inside), as a
// 2 MB bitmap. A stored prefix equals or covers a prefix only if the block of that prefix's first
// address is marked (a stored /24 or shorter covering it covers the block; a longer one lies inside
// it), so an unmarked block rules every stored prefix out with one memory read: lookups in a big
// trie that mostly find nothing (the registrations, for every route of a full table) skip the walk.

const BLOCKS = 1 << 24;

export class V4Blocks {
  private readonly bits = new Uint32Array(BLOCKS / 32);

  /** Marks the blocks addr/len touches. */
  add(addr: number, len: number): void {
    if (len >= 24) {
      const b = addr >>> 8;
      this.bits[b >>> 5]! |= 1 << (b & 31);
      return;
    }
    const count = 2 ** (24 - len);
    // (host bits, if any, are ignored: the prefix's first block is aligned to its size)
    const first = (addr >>> 8) & ~(count - 1);
    // (a prefix of /19 or shorter spans whole words: its first block is a multiple of 32)
    if (count >= 32) this.bits.fill(0xffffffff, first >>> 5, (first + count) >>> 5);
    else this.bits[first >>> 5]! |= ((2 ** count - 1) << (first & 31)) >>> 0;
  }

  /** Whether a stored prefix could equal or cover a prefix starting at addr (false: none does). */
  mayCover(addr: number): boolean {
    const b = addr >>> 8;
    return (this.bits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }
}
