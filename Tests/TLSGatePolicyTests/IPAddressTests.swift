import Testing
@testable import TLSGatePolicy

@Suite struct IPAddressTests {
    private func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(parsing: text)) }

    @Test func parsingAndDescription() throws {
        #expect(try ip("10.0.0.1") == .v4(0x0A00_0001))
        #expect(try ip("10.0.0.1") == IPAddress(v4Bytes: (10, 0, 0, 1)))
        #expect(try ip("[2001:DB8::1]").description == "2001:db8::1")
        #expect(try ip("::ffff:10.0.0.1").description == "::ffff:10.0.0.1")
        #expect(try ip("255.255.255.255").description == "255.255.255.255")
        #expect(try ip("2001:db8::1") == IPAddress(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
        #expect(try ip("1.2.3.4").bytes == [1, 2, 3, 4])
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        let v6 = try ip("::1")
        #expect(IPAddress(v6Bytes: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)) == v6)
        #expect(Set([v6, try ip("0::1"), try ip("127.0.0.1")]).count == 2)
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4x", "127.1", "0x7f.0.0.1", "::1%eth0",
                    "fe80::1::2", "example.com", "[::1", "1.2.3.4 ", String(repeating: "1", count: 100)] {
            #expect(IPAddress(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: [
        "0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255",
        "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255", "169.254.0.1",
        "169.254.169.254", "100.64.0.1", "100.127.255.255", "192.0.0.8", "198.18.0.1", "198.19.255.255",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        "::", "::1", "fc00::1", "fd00::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1", "ff02::1",
        "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:192.168.1.1",
        "::10.0.0.1", "::8.8.8.8", "64:ff9b::10.0.0.1", "64:ff9b::7f00:1", "64:ff9b:1::a00:1",
        "2002:c0a8:0101::1", "100::1",
    ])
    func privateOrSpecial(text: String) throws {
        #expect(try ip(text).isPrivateOrSpecial)
    }

    @Test(arguments: [
        "1.1.1.1", "8.8.8.8", "52.216.0.1", "3.5.0.1", "9.255.255.255", "11.0.0.0", "172.15.255.255",
        "172.32.0.0", "192.167.255.255", "192.169.0.0", "169.253.255.255", "169.255.0.0", "100.63.255.255",
        "100.128.0.0", "192.0.1.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        "2600:1f18::1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1",
        "fe00::1", "fbff::1",
    ])
    func publicAddresses(text: String) throws {
        #expect(try !ip(text).isPrivateOrSpecial)
    }

    @Test func metadata() throws {
        for text in ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
                     "169.254.170.2", "fd00:ec2::23"] {
            #expect(try ip(text).isMetadata, "\(text)")
            #expect(try ip(text).isPrivateOrSpecial, "\(text)")
        }
        for text in ["169.254.169.253", "10.0.0.1", "fd00:ec2::253", "fd00:ec3::254", "8.8.8.8"] {
            #expect(try !ip(text).isMetadata, "\(text)")
        }
    }

    @Test func embedded() throws {
        #expect(try ip("::ffff:1.2.3.4").embeddedIPv4 == 0x0102_0304)
        #expect(try ip("64:ff9b::1.2.3.4").embeddedIPv4 == 0x0102_0304)
        #expect(try ip("2002:0102:0304::").embeddedIPv4 == 0x0102_0304)
        #expect(try ip("2001:db8::1").embeddedIPv4 == nil)
        #expect(try ip("1.2.3.4").embeddedIPv4 == nil)
    }
}
