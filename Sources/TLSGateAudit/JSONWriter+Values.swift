/// JSON values. Strings are escaped per RFC 8259; U+2028/U+2029 and DEL are escaped too so lines
/// stay safe for any reader. Keys of the fixed record layout are written with ``ascii(_:)``
/// together with their punctuation (`,"host":`); ``key(escaping:)`` is for keys chosen at run time.
extension JSONWriter {
    mutating func null() { ascii("null") }

    mutating func bool(_ value: Bool) { if value { ascii("true") } else { ascii("false") } }

    /// `,"name":` for a key chosen at run time (escaped like any string), after an earlier key.
    mutating func key(escaping name: String) {
        byte(0x2C)
        string(name)
        byte(0x3A)
    }

    @inline(__always)
    mutating func int(_ value: Int?) {
        guard let value else { return null() }
        int(value)
    }

    /// Decimal digits of `value`, written in place.
    mutating func int(_ value: Int) {
        reserve(21)
        var out = end
        if value < 0 {
            out.pointee = 0x2D
            out += 1
        }
        var magnitude = UInt64(value.magnitude)
        var digits = 1
        var power: UInt64 = 10
        while digits < 20 && magnitude >= power {
            digits &+= 1
            power &*= 10
        }
        let stop = out + digits
        var p = stop
        repeat {
            p -= 1
            p.pointee = 0x30 &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count = stop - base
    }

    /// Finite doubles as shortest round-trip decimal (`Double.description`), integral values below
    /// 1e15 without a fraction; NaN and infinities as null.
    mutating func double(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        if value == value.rounded(), abs(value) < 1e15 {
            int(Int(value))
        } else {
            var text = value.description
            text.withUTF8 { bytes($0) }
        }
    }

    /// A duration in milliseconds, rounded to microseconds: exactly what
    /// `double((value * 1000).rounded() / 1000)` writes, without formatting through a String.
    ///
    /// Below 2^42 ms doubles are spaced finer than 0.001, so the shortest text that round-trips
    /// to the double nearest to k/1000 (k an integer) is k/1000 itself, trailing zeros dropped
    /// (integral values without a fraction). Larger (and non-finite) values take ``double(_:)``.
    /// The reference tests compare both paths over many values.
    mutating func milliseconds(_ value: Double?) {
        guard let value else { return null() }
        let thousandths = (value * 1000).rounded()
        guard abs(thousandths) < 4e15 else { return double(thousandths / 1000) }   // NaN fails too
        let k = Int(thousandths)
        let fraction = Int(k.magnitude % 1000)
        guard fraction != 0 else { return int(k / 1000) }   // -0.0 and -0.0004 write "0", as before
        if k < 0 { byte(0x2D) }
        int(Int(k.magnitude / 1000))
        reserve(4)
        var out = end
        out[0] = 0x2E
        out[1] = 0x30 + UInt8(fraction / 100)
        out += 2
        let rest = fraction % 100
        if rest != 0 {
            out.pointee = 0x30 + UInt8(rest / 10)
            out += 1
            if rest % 10 != 0 {
                out.pointee = 0x30 + UInt8(rest % 10)
                out += 1
            }
        }
        count = out - base
    }

    mutating func strings(_ list: [String]) {
        byte(0x5B)
        var first = true
        for item in list {
            if !first { byte(0x2C) }
            first = false
            string(item)
        }
        byte(0x5D)
    }

    @inline(__always)   // lets the caller's borrow of `value` stand: no retain/release per string
    mutating func string(_ value: String?) {
        guard let value else { return null() }
        // Borrowed contiguous UTF-8 (native and small strings) without a copy of the string;
        // bridged or foreign strings take the copying path.
        if value.utf8.withContiguousStorageIfAvailable({ quoted($0) }) == nil {
            var copy = value
            copy.withUTF8 { quoted($0) }
        }
    }

    /// `text` in quotes, escaped. Scans and copies eight bytes at a time while none of them can
    /// need escaping (the usual case), into space reserved once, the last one to seven bytes as
    /// one more word; a byte that may need escaping is handled alone, and an escape reserves room
    /// for the rest.
    mutating func quoted(_ text: UnsafeBufferPointer<UInt8>) {
        let n = text.count
        // Invariant: room for the unread input copied as it is, the closing quote, and 8 bytes of
        // slack (the last partial word is stored whole).
        reserve(n + 10)
        var out = end
        out.pointee = 0x22
        out += 1
        if let source = text.baseAddress {
            let spaces: UInt64 = 0x2020_2020_2020_2020   // pad bytes that never need escaping
            var i = 0
            while i < n {
                let rest = n &- i
                if rest >= 8 {
                    let word = UInt64(littleEndian: UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self))
                    if !Self.mayNeedEscape(word) {
                        UnsafeMutableRawPointer(out).storeBytes(of: word.littleEndian, as: UInt64.self)
                        out += 8
                        i &+= 8
                        continue
                    }
                } else {
                    // The last 1...7 bytes in the low bytes of a word, spaces above them.
                    // (Masking shifts: `rest` is 1...7, so every shift count is 8...56.)
                    var word = spaces &<< UInt64(8 &* rest)
                    if n >= 8 {
                        let last = UInt64(littleEndian: UnsafeRawPointer(source + n - 8).loadUnaligned(as: UInt64.self))
                        word |= last &>> UInt64(64 &- 8 &* rest)
                    } else {
                        var k = 0
                        repeat {
                            word |= UInt64(source[i &+ k]) &<< UInt64(8 &* k)
                            k &+= 1
                        } while k < rest
                    }
                    if !Self.mayNeedEscape(word) {
                        UnsafeMutableRawPointer(out).storeBytes(of: word.littleEndian, as: UInt64.self)
                        out += rest
                        break
                    }
                }
                let b = source[i]
                var width = 1
                var scalar: UInt16 = 0
                var short: UInt8 = 0
                switch b {
                case 0x22: short = 0x22
                case 0x5C: short = 0x5C
                case 0x0A: short = 0x6E
                case 0x0D: short = 0x72
                case 0x09: short = 0x74
                case 0x08: short = 0x62
                case 0x0C: short = 0x66
                case 0x00..<0x20, 0x7F: scalar = UInt16(b)
                case 0xE2 where i + 2 < n && source[i + 1] == 0x80 && (source[i + 2] == 0xA8 || source[i + 2] == 0xA9):
                    scalar = source[i + 2] == 0xA8 ? 0x2028 : 0x2029
                    width = 3
                default:
                    out.pointee = b   // plain byte (including 0xE2 starting another character)
                    out += 1
                    i += 1
                    continue
                }
                // An escape is at most six bytes for at least one byte of input.
                count = out - base
                reserve(n - i + 15)
                out = end
                out[0] = 0x5C
                if short != 0 {
                    out[1] = short
                    out += 2
                } else {
                    out[1] = 0x75
                    out[2] = Self.hexDigit(scalar >> 12)
                    out[3] = Self.hexDigit((scalar >> 8) & 0xF)
                    out[4] = Self.hexDigit((scalar >> 4) & 0xF)
                    out[5] = Self.hexDigit(scalar & 0xF)
                    out += 6
                }
                i += width
            }
        }
        out.pointee = 0x22
        count = out + 1 - base
    }

    /// Whether any of the eight bytes in `word` is a control byte, `"`, `\\`, DEL or 0xE2 (the
    /// lead byte of U+2028/U+2029): the classic "has a zero byte" bit trick on `word` and on
    /// `word` XOR each special byte, the high bits of all tests gathered before one branch.
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        @inline(__always) func zeroByteBits(_ v: UInt64) -> UInt64 { (v &- ones) & ~v }
        let below = (word &- ones &* 0x20) & ~word   // a byte below 0x20
        let hits = below | zeroByteBits(word ^ (ones &* 0x22)) | zeroByteBits(word ^ (ones &* 0x5C))
            | zeroByteBits(word ^ (ones &* 0x7F)) | zeroByteBits(word ^ (ones &* 0xE2))
        return hits & (ones &* 0x80) != 0
    }

    @inline(__always)
    private static func hexDigit(_ value: UInt16) -> UInt8 {
        value < 10 ? 0x30 + UInt8(value) : 0x61 + UInt8(value - 10)
    }
}
