import Logging
import CZeroMQ

/// Structured logs on standard output (journald keeps them under systemd). Metadata keys are
/// dotted (`referral.id`, `agency.from`) and carry ids, agencies and states, never personal data.
public enum LogSetup {
    public static func bootstrap(level: Logger.Level = .info) {
        czmq_line_buffer_stdout()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
