/// The outcome of a non-blocking I/O call: it either made progress or would have blocked.
///
/// `EAGAIN`/`EWOULDBLOCK` is an expected state on a non-blocking socket, so it is returned as a
/// value and never thrown; real failures are thrown as ``IOError``.
public enum IOResult<Value: Sendable>: Sendable {
    case processed(Value)
    case wouldBlock
}

extension IOResult: Equatable where Value: Equatable {}
