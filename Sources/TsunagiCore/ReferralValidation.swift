import Foundation

/// Size limits on what a referral may carry (docs/PROTOCOL.md §Limits).
public enum Limits {
    public static let routingBytes = 16 * 1024
    public static let personalBytes = 64 * 1024
    public static let detailBytes = 2 * 1024
    /// The staff member's name on an answer (the optional last frame of ACCEPT … WITHDRAW).
    public static let staffBytes = 256
    public static let reportBytes = 4 * 1024 * 1024
    /// libzmq drops a connection that sends a frame larger than this (ZMQ_MAXMSGSIZE counts each
    /// frame of a multipart message on its own, not the message).
    public static let messageBytes: Int64 = 8 * 1024 * 1024
    /// `municipality` and `consent.recorded_by`, in user-perceived characters (String.count).
    public static let shortText = 128
    /// How deep a JSON document (routing part, ledger report) may nest objects and arrays; a
    /// routing part needs 2 levels, a report 3.
    public static let jsonDepth = 32
}

extension Routing {
    /// Decodes and validates the routing part as sent on the wire or found in an outbox file.
    public static func decode(json bytes: [UInt8]) throws(ProtocolError) -> Routing {
        guard bytes.count <= Limits.routingBytes else {
            throw ProtocolError(.tooLarge, "the routing part is \(bytes.count) bytes; at most \(Limits.routingBytes) are allowed")
        }
        if let routing = RoutingFastDecoder.decode(bytes) {
            try routing.validate()
            return routing
        }
        // Anything unusual: first whether it is JSON at all, then JSONDecoder, whose errors name the field.
        guard RoutingFastDecoder.parse(bytes) != nil else {
            // The reader stops at the same depth limit: only a refused document needs the second
            // pass that says whether it was the nesting.
            try JSONDiagnostics.checkDepth(bytes, what: "the routing part")
            throw ProtocolError(.badJSON, "the routing part is not valid JSON")
        }
        let routing: Routing
        do {
            routing = try JSONDecoder().decode(Routing.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw Routing.describe(error)
        } catch {
            throw ProtocolError(.badJSON, "the routing part is not valid JSON")
        }
        try routing.validate()
        return routing
    }

    /// Decodes routing the store wrote itself (validated when it arrived): the fast path, without
    /// validating again. Nil when the bytes are not a routing document at all.
    public static func decodeStored(json bytes: [UInt8]) -> Routing? {
        RoutingFastDecoder.decode(bytes) ?? (try? JSONDecoder().decode(Routing.self, from: Data(bytes)))
    }

    /// Checks what the types alone do not.
    public func validate() throws(ProtocolError) {
        if from == to {
            throw ProtocolError(.selfReferral, "referral \(id) is addressed to its own sender \(from): choose another agency")
        }
        if needs.isEmpty {
            throw ProtocolError(.invalidReferral, "routing.needs is empty: name at least one need (e.g. employment)")
        }
        if Set(needs).count != needs.count {
            throw ProtocolError(.invalidReferral, "routing.needs lists a need twice")
        }
        guard let created = Routing.parseTimestamp(createdAt) else {
            throw ProtocolError(.invalidReferral, "routing.created_at '\(createdAt.prefix(40))' is not an ISO 8601 time with offset, e.g. 2026-11-27T09:30:00+09:00")
        }
        try Routing.checkText(municipality, field: "routing.municipality")
        try Routing.checkText(consent.recordedBy, field: "routing.consent.recorded_by", code: .noConsent)
        if consent.obtainedOn > CivilDate.japan(at: created) {
            throw ProtocolError(.noConsent, "routing.consent.obtained_on \(consent.obtainedOn) is after the referral was created: consent must come first")
        }
    }

    private static func checkText(_ text: String, field: String, code: ErrorCode = .invalidReferral) throws(ProtocolError) {
        if text.isBlank {
            throw ProtocolError(code, "\(field) is empty")
        }
        // Counted in user-perceived characters (extended grapheme clusters): か and a combining
        // ゛ are one character, as a person counts them.
        let length = text.count
        if length > Limits.shortText {
            throw ProtocolError(.tooLarge, "\(field) is \(length) characters; at most \(Limits.shortText) are allowed")
        }
    }

    /// The creation time, or nil when it is not ISO 8601 with an offset.
    public var createdDate: Date? { Routing.parseTimestamp(createdAt) }

    public static func parseTimestamp(_ text: String) -> Date? {
        Timestamp.epochSeconds(text).map { Date(timeIntervalSince1970: $0) }
    }

    /// Turns a decoding failure into the error a sender can act on, naming the field.
    static func describe(_ error: DecodingError) -> ProtocolError {
        let failure = JSONDiagnostics.Failure(error, root: "routing")
        let inConsent = failure.path.contains("consent")
        switch failure.kind {
        case .notJSON:
            return ProtocolError(.badJSON, "the routing part is not valid JSON")
        case .missing:
            return inConsent
                ? ProtocolError(.noConsent, "\(failure.field) is missing: a referral needs a consent basis, the date it was obtained and who recorded it")
                : ProtocolError(.invalidReferral, "\(failure.field) is missing")
        case .null:
            return ProtocolError(inConsent ? .noConsent : .invalidReferral, "\(failure.field) is null")
        case .wrongType(let expected):
            return ProtocolError(.invalidReferral, "\(failure.field) has the wrong type: it must be \(expected)")
        case .invalidValue:
            let code: ErrorCode = inConsent && failure.path.last == "basis" ? .noConsent : .invalidReferral
            return ProtocolError(code, "\(failure.field) is not valid: \(JSONDiagnostics.rule(for: failure.path))")
        }
    }
}

extension String {
    /// Empty or only white space (any Unicode white space, such as the ideographic space U+3000).
    public var isBlank: Bool {
        !unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}
