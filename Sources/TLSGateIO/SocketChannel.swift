import CShims
import Glibc

/// One non-blocking socket watched by an ``EventLoop``.
///
/// The channel only manages readiness and the descriptor's lifetime; the owner does the reads and
/// writes (see ``Posix``). Readiness is level-triggered: the owner drains to `.wouldBlock` or drops
/// its interest, else the handler runs again on the next loop turn.
///
/// Interest is dropped lazily: turning it off costs nothing, and the epoll registration is only
/// narrowed if an event arrives that nobody wants (an `epoll_ctl` per change would cost a system
/// call per request). The descriptor is removed from epoll before it is closed, so a reused
/// number can never be reported to a stale channel.
///
/// Not thread-safe: every call must be made on ``loop``'s thread. While registered, the loop
/// retains the channel and its handlers (which may retain the owner) until ``close()``.
public final class SocketChannel: @unchecked Sendable {
    public let fd: Int32
    public let loop: EventLoop
    /// What the owner wants to hear about.
    private var readInterest = false
    private var writeInterest = false
    /// The events epoll watches for this descriptor (0 with `token == 0`: not registered).
    private var watched: UInt32 = 0
    private var token: UInt64 = 0
    private var onReadable: (() -> Void)?
    private var onWritable: (() -> Void)?
    public private(set) var isClosed = false
    /// Whether ``close()`` closes the descriptor (false: a shared listening socket).
    private let ownsDescriptor: Bool
    /// Registered with `EPOLLEXCLUSIVE` (which epoll cannot modify: re-added instead).
    private let exclusive: Bool

    private static let inEvent = tg_epollin()
    private static let outEvent = tg_epollout()
    private static let errorEvents = tg_epollerr_hup()
    private static let exclusiveFlag = tg_epollexclusive()

    /// Takes ownership of `fd` (already non-blocking). Reads and writes start unwatched.
    ///
    /// A listening socket shared by several loops uses `ownsDescriptor: false` (its owner closes
    /// it once every loop has let go) and `exclusive: true` (one loop woken per connection).
    public init(fd: Int32, loop: EventLoop, ownsDescriptor: Bool = true, exclusive: Bool = false) {
        self.fd = fd
        self.loop = loop
        self.ownsDescriptor = ownsDescriptor
        self.exclusive = exclusive
    }

    /// Sets the callbacks. They run on the loop thread and may retain the owner (until ``close()``).
    public func setHandlers(readable: @escaping () -> Void, writable: @escaping () -> Void) {
        onReadable = readable
        onWritable = writable
    }

    /// Whether the readable callback should fire. Idempotent and cheap.
    public func wantReads(_ on: Bool) {
        guard !isClosed else { return }
        readInterest = on
        if on && watched & Self.inEvent == 0 { watch(watched | Self.inEvent) }
    }

    /// Whether the writable callback should fire. Idempotent and cheap.
    public func wantWrites(_ on: Bool) {
        guard !isClosed else { return }
        writeInterest = on
        if on && watched & Self.outEvent == 0 { watch(watched | Self.outEvent) }
    }

    public var readsWanted: Bool { readInterest }
    public var writesWanted: Bool { writeInterest }

    /// Interest and registration state, for diagnostics.
    public var debugState: String {
        var pending: Int32 = 0
        _ = ioctl(fd, UInt(FIONREAD), &pending)
        return "fd=\(fd) readInterest=\(readInterest) writeInterest=\(writeInterest) watched=\(watched) registered=\(token != 0) unread=\(pending)"
    }

    /// Stops watching and closes the descriptor. Idempotent.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        readInterest = false
        writeInterest = false
        onReadable = nil
        onWritable = nil
        // Closing the last reference to a socket removes it from epoll, so an owned descriptor
        // only leaves the loop's table (saving an epoll_ctl per connection); a shared one must
        // leave epoll explicitly. Events already queued for it carry this channel's generation
        // and are dropped, even if the number is reused at once.
        if token != 0 { loop.unregister(self, keepEpollEntry: ownsDescriptor) }
        token = 0
        watched = 0
        if ownsDescriptor { Posix.close(fd) }
    }

    /// Called by the loop with the events epoll reported.
    func handle(events: UInt32) {
        let failed = events & Self.errorEvents != 0
        // Interest as it was when the events arrived: a handler that drops its interest has still
        // consumed this event, which is no reason to touch the registration.
        let wantedBefore = (readInterest ? Self.inEvent : 0) | (writeInterest ? Self.outEvent : 0)
        if readInterest && (failed || events & Self.inEvent != 0) { onReadable?() }
        if writeInterest && !isClosed && (failed || events & Self.outEvent != 0) { onWritable?() }
        guard !isClosed else { return }
        let unwanted = events & ~wantedBefore & (Self.inEvent | Self.outEvent)
        guard unwanted != 0 || (failed && wantedBefore == 0) else { return }
        // An event nobody wanted: narrow the registration to what is wanted now.
        let wanted = (readInterest ? Self.inEvent : 0) | (writeInterest ? Self.outEvent : 0)
        if failed && wanted == 0 {
            // Errors and hang-ups are reported whatever the mask: stop watching until wanted again.
            loop.unregister(self)
            token = 0
            watched = 0
        } else if wanted != watched {
            watch(wanted)
        }
    }

    private func watch(_ events: UInt32) {
        if token != 0 && exclusive {
            loop.unregister(self)
            token = 0
        }
        if token == 0 {
            token = loop.register(self, events: exclusive ? events | Self.exclusiveFlag : events)
            watched = token == 0 ? 0 : events
        } else {
            loop.modify(self, token: token, events: events)
            watched = events
        }
    }

    deinit {
        // Closing is the owner's job; a channel dropped without close() still must not leak its fd.
        if !isClosed && ownsDescriptor { Posix.close(fd) }
    }
}
