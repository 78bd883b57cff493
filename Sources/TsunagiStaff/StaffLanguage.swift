import Foundation

/// The language of what staff read: Japanese unless `--lang en` is given or the locale says
/// English (`LANG=C`, `LANG=en_US.UTF-8`, …).
public enum StaffLanguage: String, Sendable, CaseIterable {
    case ja
    case en

    /// `--lang` wins; then LC_ALL, LC_MESSAGES and LANG, in POSIX's order.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> StaffLanguage {
        if let option, let chosen = StaffLanguage(rawValue: option.lowercased().prefix(2).description) { return chosen }
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            return value == "C" || value == "POSIX" || value.hasPrefix("C.") || value.hasPrefix("en") ? .en : .ja
        }
        return .ja
    }

    /// The Japanese or the English of one sentence.
    public func pick(_ japanese: String, _ english: String) -> String { self == .ja ? japanese : english }
}

/// One sentence said in both languages; each caller shows the one its reader reads.
public struct StaffSentence: Error, Sendable, Hashable, CustomStringConvertible {
    public let japanese: String
    public let english: String

    public init(_ japanese: String, _ english: String) {
        self.japanese = japanese
        self.english = english
    }

    public func text(_ language: StaffLanguage) -> String { language.pick(japanese, english) }

    public var description: String { english }
}
