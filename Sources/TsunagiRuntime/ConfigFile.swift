import Foundation
import TOMLKit

/// A configuration problem, said so an operator can fix it: which file, which setting, what to do.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reading the commented TOML files under /etc/tsunagi (or a folder made by `tsunagi init`).
public enum ConfigFile {
    /// Decodes a TOML file into `T`, naming the file and the problem on failure.
    public static func load<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError("cannot read the config file \(path): check the path and its permissions")
        }
        do {
            return try TOMLDecoder().decode(type, from: try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw ConfigError("\(path):\(error.source.begin.line): not valid TOML: \(error.description)")
        } catch let error as DecodingError {
            throw ConfigError("\(path): \(describe(error))")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// A path from a config file, taken relative to that file's folder unless absolute.
    public static func resolve(_ path: String, relativeTo configPath: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = (configPath as NSString).deletingLastPathComponent
        return ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(path)
    }

    private static func describe(_ error: DecodingError) -> String {
        func name(_ path: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            (path + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "the setting '\(name(context.codingPath, key))' is missing"
        case .typeMismatch(let type, let context): return "the setting '\(name(context.codingPath))' should be \(type)"
        case .valueNotFound(_, let context): return "the setting '\(name(context.codingPath))' has no value"
        case .dataCorrupted(let context): return "the setting '\(name(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
