/// A bounded least-recently-used map from host to leaf. Entries live in one array linked into a
/// recency list by index, so a hit is one dictionary lookup and a few index writes: no allocation.
/// Not thread-safe; `LeafIssuer` guards it with its lock.
struct LeafCache {
    private struct Slot {
        var host: String
        var leaf: LeafCredential
        var newer: Int
        var older: Int
    }

    let capacity: Int
    private var index: [String: Int] = [:]
    private var slots: [Slot] = []
    /// Most recently used slot, or -1.
    private var newest = -1
    /// Least recently used slot, or -1.
    private var oldest = -1

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        index.reserveCapacity(min(self.capacity, 1024))
    }

    var count: Int { index.count }

    /// The leaf for `host`, marked most recently used.
    mutating func get(_ host: String) -> LeafCredential? {
        guard let slot = index[host] else { return nil }
        moveToFront(slot)
        return slots[slot].leaf
    }

    /// Stores `leaf` for `host` as most recently used, evicting the least recently used entry
    /// when the cache is full.
    mutating func set(_ host: String, _ leaf: LeafCredential) {
        if let slot = index[host] {
            slots[slot].leaf = leaf
            moveToFront(slot)
            return
        }
        let slot: Int
        if slots.count < capacity {
            slot = slots.count
            slots.append(Slot(host: host, leaf: leaf, newer: -1, older: -1))
        } else {
            slot = oldest
            unlink(slot)
            index[slots[slot].host] = nil
            slots[slot].host = host
            slots[slot].leaf = leaf
        }
        index[host] = slot
        pushFront(slot)
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        pushFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let newer = slots[slot].newer, older = slots[slot].older
        if newer >= 0 { slots[newer].older = older } else { newest = older }
        if older >= 0 { slots[older].newer = newer } else { oldest = newer }
        slots[slot].newer = -1
        slots[slot].older = -1
    }

    private mutating func pushFront(_ slot: Int) {
        slots[slot].older = newest
        slots[slot].newer = -1
        if newest >= 0 { slots[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
