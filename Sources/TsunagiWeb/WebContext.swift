import Hummingbird
import NIOCore

/// The language a page is shown in: Japanese unless the visitor asked for English (`?lang=en`).
public enum WebLanguage: String, Sendable, CaseIterable {
    case ja
    case en

    /// Picks the Japanese or the English form of a sentence.
    public func pick(_ japanese: String, _ english: String) -> String {
        self == .ja ? japanese : english
    }
}

/// What one request carries through the web layer: the visitor's session (when logged in), the
/// language, and on a POST the form fields already read and checked against the CSRF token.
public struct WebContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The logged-in staff member's session; nil for a visitor who has not logged in.
    public var session: WebSession?
    /// True when the request brought a session cookie that had expired or was unknown.
    public var sessionExpired = false
    public var language: WebLanguage = .ja
    /// The fields of a POSTed form (`application/x-www-form-urlencoded`).
    public var form = FormData()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The logged-in staff member's name, or nil.
    public var userName: String? { session?.user }

    /// Picks the sentence in the request's language.
    public func text(_ japanese: String, _ english: String) -> String {
        language.pick(japanese, english)
    }

    /// A short form of the client's address for logs and rate limits (no port).
    public var clientAddress: String {
        remoteAddress?.ipAddress ?? "local"
    }
}
