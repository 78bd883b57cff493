import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// One entry of the site's navigation.
public struct NavItem: Sendable {
    public var href: String
    public var label: String
    public init(href: String, label: String) {
        self.href = href
        self.label = label
    }
}

/// The line in the header that tells staff how things stand (e.g. whether the worker is connected);
/// with `liveURL` the page's script refreshes it from that address without a reload.
public struct StatusLine: Sendable {
    public enum Kind: String, Sendable { case ok, warning }
    public var text: String
    public var kind: Kind
    public var liveURL: String?
    public init(text: String, kind: Kind, liveURL: String? = nil) {
        self.text = text
        self.kind = kind
        self.liveURL = liveURL
    }
}

/// What the site puts around every page: its name, its navigation, its status line.
public struct WebChrome: Sendable {
    public var siteName: String
    public var nav: [NavItem]
    public var status: StatusLine?
    public init(siteName: String, nav: [NavItem] = [], status: StatusLine? = nil) {
        self.siteName = siteName
        self.nav = nav
        self.status = status
    }
}

/// A page to render: a template of the site's, its values, and what the layout shows above it.
public struct WebPage {
    public var title: String
    public var template: String
    public var values: [String: Any]
    public var status: HTTPResponse.Status
    /// A sentence confirming what was just done.
    public var notice: String?
    /// A sentence saying what was refused and why.
    public var alert: String?

    public init(title: String, template: String, values: [String: Any] = [:], status: HTTPResponse.Status = .ok,
                notice: String? = nil, alert: String? = nil) {
        self.title = title
        self.template = template
        self.values = values
        self.status = status
        self.notice = notice
        self.alert = alert
    }
}

/// The layout every page shares (lang, skip link, header, main) and the web layer's own templates.
enum LayoutTemplates {
    static let layout = """
    <!DOCTYPE html>
    <html lang="{{lang}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} | {{siteName}}</title>
    <link rel="stylesheet" href="/assets/site.css">
    <script src="/assets/live.js" defer></script>
    </head>
    <body>
    <a class="skip" href="#main">{{skipText}}</a>
    <header class="site">
    <div class="site-bar">
    <p class="site-name">{{siteName}}</p>
    {{#status}}<div id="site-status" role="status"{{#liveURL}} data-live="{{liveURL}}"{{/liveURL}}>{{> web.status}}</div>{{/status}}
    <p class="lang"><a href="{{langHref}}" lang="{{otherLang}}" hreflang="{{otherLang}}">{{langText}}</a></p>
    </div>
    {{#user}}
    <div class="site-bar">
    <nav aria-label="{{navLabel}}"><ul>{{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}</ul></nav>
    <form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="{{csrf}}"><span class="who">{{userLabel}}: {{name}}</span> <button type="submit">{{logoutText}}</button></form>
    </div>
    {{/user}}
    </header>
    <main id="main" tabindex="-1">
    <h1>{{title}}</h1>
    {{#notice}}<p class="notice" role="status">{{.}}</p>{{/notice}}
    {{#alert}}<p class="alert" role="alert">{{.}}</p>{{/alert}}
    {{{body}}}
    </main>
    </body>
    </html>
    """

    static let login = """
    <form method="post" action="/login" class="login" novalidate>
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="next" value="{{next}}">
    <div class="field{{#error}} has-error{{/error}}">
    <label for="username">{{usernameLabel}}</label>
    <input id="username" name="username" type="text" autocomplete="username" required value="{{username}}"{{#error}} aria-invalid="true" aria-describedby="login-error"{{/error}}>
    </div>
    <div class="field{{#error}} has-error{{/error}}">
    <label for="password">{{passwordLabel}}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required{{#error}} aria-invalid="true" aria-describedby="login-error"{{/error}}>
    {{#error}}<p class="field-error" id="login-error">{{.}}</p>{{/error}}
    </div>
    <p><button type="submit">{{submitText}}</button></p>
    </form>
    """

    static let status = """
    <p class="status status-{{kind}}">{{text}}</p>
    """

    static let message = """
    <p>{{message}}</p>
    {{#link}}<p><a href="{{href}}">{{label}}</a></p>{{/link}}
    """
}

/// Renders the site's templates inside the layout (swift-mustache; `{{x}}` is HTML-escaped).
public struct PageRenderer: Sendable {
    private var library: MustacheLibrary

    /// `templates` maps a name to a swift-mustache template; names starting with `web.` are the
    /// web layer's own.
    public init(templates: [String: String]) throws {
        library = MustacheLibrary()
        try library.register(LayoutTemplates.layout, named: "web.layout")
        try library.register(LayoutTemplates.login, named: "web.login")
        try library.register(LayoutTemplates.message, named: "web.message")
        try library.register(LayoutTemplates.status, named: "web.status")
        for (name, text) in templates {
            try library.register(text, named: name)
        }
    }

    /// Renders one template alone (a fragment for live updates, or a page's body).
    public func render(_ template: String, _ values: [String: Any]) -> String {
        guard let text = library.render(values, withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return text
    }
}

/// Responses every site sends the same way.
public enum WebResponse {
    public static let htmlType = "text/html; charset=utf-8"

    /// An HTML page or fragment, never stored by the browser or a proxy (it may show a person).
    public static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = htmlType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Marks any response as not to be stored (for pages that show a person).
    public static func noStore(_ response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// "See other": after a form post, the browser fetches the next page with GET.
    public static func redirect(to location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// Plain text (a download, a health line), not stored.
    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8",
                            status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Escapes text for HTML written outside a template.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
