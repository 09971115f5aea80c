import Testing
@testable import TLSGateIO

@Suite struct IOBufferTests {
    @Test func appendReadCompact() {
        let buffer = IOBuffer(capacity: 8)
        #expect(buffer.append([1, 2, 3, 4, 5, 6]) == 6)
        buffer.didRead(4)
        #expect(buffer.readableCount == 2)
        // Appending more than the tail holds compacts first.
        #expect(buffer.append([7, 8, 9, 10, 11]) == 5)
        #expect(Array(buffer.readableBytes) == [5, 6, 7, 8, 9, 10, 11])
        // Full: only what fits is taken.
        #expect(buffer.append([12, 13]) == 1)
        #expect(buffer.readableCount == 8)
    }

    @Test func readingEverythingResetsIndices() {
        let buffer = IOBuffer(capacity: 4)
        buffer.append([1, 2, 3])
        buffer.didRead(3)
        #expect(buffer.isEmpty)
        #expect(buffer.writableCount == 4)
    }
}

@Suite struct SocketAddressTests {
    @Test func parsesAndPrintsBothFamilies() throws {
        let v4 = try #require(SocketAddress(ip: "127.0.0.1", port: 8080))
        #expect(v4.description == "127.0.0.1:8080")
        #expect(v4.ipBytes == [127, 0, 0, 1])
        for text in ["0.0.0.0", "255.255.255.255", "10.0.200.7", "192.168.1.254", "1.2.3.4"] {
            #expect(SocketAddress(ip: text, port: 1)?.ipString == text)
        }
        for port in [0, 1, 9, 10, 99, 100, 8080, 65535] {
            #expect(SocketAddress(ip: "255.255.255.255", port: port)?.description == "255.255.255.255:\(port)")
            #expect(SocketAddress(ip: "0.0.0.0", port: port)?.description == "0.0.0.0:\(port)")
        }
        let v6 = try #require(SocketAddress(ip: "::1", port: 443))
        #expect(v6.description == "[::1]:443")
        #expect(v6.ipBytes.count == 16)
        #expect(SocketAddress(ip: "example.com", port: 80) == nil)
        #expect(SocketAddress(ip: "127.0.0.1", port: 70000) == nil)
    }
}

@Suite struct IOBufferMemoryTests {
    @Test func memoryIsTakenOnFirstUseAndGivenBackWhenEmpty() {
        let buffer = IOBuffer(capacity: 1024)
        #expect(!buffer.isAllocated)
        buffer.append([1, 2, 3])
        #expect(buffer.isAllocated)
        buffer.releaseIfEmpty()
        #expect(buffer.isAllocated, "unread bytes keep the memory")
        buffer.didRead(3)
        buffer.releaseIfEmpty()
        #expect(!buffer.isAllocated)
        buffer.append([9])
        #expect(Array(buffer.readableBytes) == [9])
    }
}

@Suite struct BufferPoolTests {
    @Test func buffersGiveTheirMemoryBackToThePoolAndReuseIt() {
        let pool = BufferPool(maxPerSize: 2)
        let a = IOBuffer(capacity: 4096, pool: pool)
        a.append([1, 2, 3])
        let first = a.base
        a.didRead(3)
        a.releaseIfEmpty()
        #expect(!a.isAllocated)
        #expect(pool.cachedCount == 1)
        // The next buffer of that size takes the same block; other sizes do not.
        let b = IOBuffer(capacity: 4096, pool: pool)
        #expect(b.base == first)
        #expect(pool.cachedCount == 0)
        let c = IOBuffer(capacity: 100, pool: pool)
        #expect(c.base != first)
    }

    @Test func blocksOfEachSizeAreKeptApart() {
        let pool = BufferPool(maxPerSize: 4)
        let small = pool.take(512), large = pool.take(8192)
        pool.give(small, 512)
        pool.give(large, 8192)
        #expect(pool.cachedCount == 2)
        #expect(pool.take(8192) == large)
        #expect(pool.take(512) == small)
        #expect(pool.cachedCount == 0)
        pool.give(small, 512)
        pool.give(large, 8192)
    }

    @Test func thePoolKeepsABoundedNumberOfBlocks() {
        let pool = BufferPool(maxPerSize: 2)
        var buffers = (0..<5).map { _ in IOBuffer(capacity: 1024, pool: pool) }
        for buffer in buffers { _ = buffer.base }
        buffers.removeAll()   // deinit gives the memory back
        #expect(pool.cachedCount == 2)
    }
}
