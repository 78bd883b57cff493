import Foundation
import Testing
import ZeroMQ

extension ZeroMQTests {
    @Suite("Z85 text and certificate files")
    struct Z85AndCertificates {
        @Test("Z85 encodes RFC 32's example and round-trips any bytes in whole words")
        func z85RoundTrip() throws {
            let example: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
            #expect(Z85.encode(example) == "HelloWorld")
            #expect(Z85.decode("HelloWorld") == example)

            for count in [0, 4, 32, 400] {
                let bytes = (0..<count).map { _ in UInt8.random(in: 0 ... .max) }
                let text = try #require(Z85.encode(bytes))
                #expect(text.utf8.count == count / 4 * 5)
                #expect(Z85.decode(text) == bytes)
            }
            let key = try CurveKeyPair.generate().publicKey
            #expect(CurveKey(z85: key.z85) == key)
        }

        @Test("Z85 refuses bad text", arguments: [
            "HelloWorld1",  // 11 characters: not a multiple of 5
            "Hell ",        // space is outside the alphabet
            "Hell\"",       // so is the quote
            "Hell~",
            "hé12",         // non-ASCII: 5 bytes, 4 characters
            "#####",        // every character valid, but the value is above 2^32
        ])
        func z85RefusesBadText(_ text: String) {
            #expect(Z85.decode(text) == nil)
        }

        @Test("Z85 encode refuses counts that are not multiples of 4; keys must be 40 characters")
        func z85RefusesBadLengths() throws {
            #expect(Z85.encode([1, 2, 3]) == nil)
            let key = try CurveKeyPair.generate().publicKey.z85
            #expect(CurveKey(z85: String(key.dropLast())) == nil)
            #expect(CurveKey(z85: key + "0") == nil)
            #expect(CurveKey(z85: String(key.dropLast(5))) == nil, "35 characters decode to 28 bytes, not a key")
            #expect(CurveKey(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        }

        @Test("a certificate's text parses back to the same keys and metadata, secret and public variants")
        func certificateRoundTrip() throws {
            let keyPair = try CurveKeyPair.generate()
            let certificate = CurveCertificate(keyPair: keyPair, metadata: ["name": "station-12", "role": "relay"])

            let secretText = certificate.fileText(includingSecret: true)
            #expect(try CurveCertificate.parse(secretText) == certificate)

            let publicText = certificate.fileText(includingSecret: false)
            #expect(!publicText.contains(keyPair.secretKey.z85))
            let publicOnly = try CurveCertificate.parse(publicText)
            #expect(publicOnly.publicKey == keyPair.publicKey)
            #expect(publicOnly.secretKey == nil)
            #expect(publicOnly.metadata == certificate.metadata)
        }

        @Test("parse reads czmq's zcert_save layout")
        func parsesCzmqLayout() throws {
            // The layout zcert_save writes (ZPL: sections at column 0, four-space indented
            // `name = "value"` lines), with the key pair of the zmq_curve man page.
            let secretFile = #"""
            #   ****  Generated on 2024-03-05 10:11:12 by CZMQ  ****
            #   ZeroMQ CURVE **Secret** Certificate
            #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

            metadata
                name = "relay-east"
                email = "ops@example.org"
            curve
                public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
                secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

            """#
            let certificate = try CurveCertificate.parse(secretFile)
            #expect(certificate.publicKey.z85 == "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
            #expect(certificate.secretKey?.z85 == "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
            #expect(certificate.metadata == ["name": "relay-east", "email": "ops@example.org"])
            // The two keys belong together: the public one derives from the secret one.
            let secretKey = try #require(certificate.secretKey)
            #expect(try CurveKeyPair(secretKey: secretKey).publicKey == certificate.publicKey)

            let publicFile = #"""
            #   ****  Generated on 2024-03-05 10:11:12 by CZMQ  ****
            #   ZeroMQ CURVE Public Certificate
            #   Exchange securely, or use a secure mechanism to verify the contents
            #   of this file after exchange.

            metadata
                name = "relay-east"
            curve
                public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

            """#
            let publicOnly = try CurveCertificate.parse(publicFile.replacingOccurrences(of: "\n", with: "\r\n"))
            #expect(publicOnly.publicKey == certificate.publicKey)
            #expect(publicOnly.secretKey == nil)
            #expect(publicOnly.metadata == ["name": "relay-east"])
        }

        @Test("parse refuses text without a valid public key")
        func parseRefusesBadCertificates() {
            #expect(throws: CurveCertificate.LoadError.missingPublicKey(path: "<text>")) {
                try CurveCertificate.parse("metadata\n    name = \"x\"\n")
            }
            #expect(throws: CurveCertificate.LoadError.invalidKey(path: "<text>", field: "public-key")) {
                try CurveCertificate.parse("curve\n    public-key = \"too short\"\n")
            }
        }
    }
}
