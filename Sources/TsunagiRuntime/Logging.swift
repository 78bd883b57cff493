import Logging

/// Structured logs on standard output (journald keeps them under systemd). Metadata keys are
/// dotted (`referral.id`, `agency.from`) and carry ids, agencies and states, never personal data.
/// swift-log flushes standard output after every line, so nothing waits in a buffer when the
/// process is killed.
public enum LogSetup {
    public static func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The `log_level` of a config file: absent means info; anything but a level's name is an
    /// error, so that a typo does not silently log at another level.
    public static func level(named name: String?, in path: String) throws -> Logger.Level {
        guard let name else { return .info }
        guard let level = Logger.Level(rawValue: name) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError("\(path): log_level '\(name)' is not a level: use one of \(names)")
        }
        return level
    }
}
