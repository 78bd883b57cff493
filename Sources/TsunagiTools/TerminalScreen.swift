import Foundation
import TsunagiRuntime

/// What a full-screen terminal view needs: the screen's size, the width of text on it, and a
/// keyboard read key by key.
public enum TerminalScreen {
    /// Columns and rows of the terminal on standard output; $COLUMNS and $LINES win (scripts,
    /// tests). Nil rows when standard output is not a terminal and $LINES is unset: a pipe has no height.
    public static func size(environment: [String: String] = ProcessInfo.processInfo.environment) -> (columns: Int, rows: Int?) {
        var size = winsize()
        let isTerminal = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0
        let columns = environment["COLUMNS"].flatMap(Int.init).flatMap { $0 >= 20 ? $0 : nil }
            ?? (isTerminal ? Int(size.ws_col) : 80)
        let rows = environment["LINES"].flatMap(Int.init).flatMap { $0 >= 3 ? $0 : nil }
            ?? (isTerminal && size.ws_row > 0 ? Int(size.ws_row) : nil)
        return (max(columns, 20), rows)
    }

    /// Columns `text` takes on a terminal: East Asian wide and full-width characters (Japanese
    /// names) take two, combining marks none.
    public static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + width(of: $1) }
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        switch value {
        case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }

    /// `text` cut to at most `columns` columns, ending in "…" when cut.
    public static func truncate(_ text: String, to columns: Int) -> String {
        guard width(text) > columns else { return text }
        guard columns > 0 else { return "" }
        var result = "", used = 0
        for character in text {
            let characterWidth = width(String(character))
            if used + characterWidth > columns - 1 { break }
            result.append(character)
            used += characterWidth
        }
        return result + "…"
    }

    /// `text` padded with spaces to `columns` columns (cut first when longer).
    public static func pad(_ text: String, to columns: Int) -> String {
        let cut = truncate(text, to: columns)
        return cut + String(repeating: " ", count: max(columns - width(cut), 0))
    }
}

/// The terminal in "cbreak" mode while a full-screen view runs: keys arrive one by one without
/// echo, Ctrl-C still interrupts, and the saved settings come back on every way out.
public final class RawTerminal: @unchecked Sendable {
    private var saved = termios()
    private let descriptor: Int32
    private let lock = NSLock()
    private var active = false

    /// Nil when standard input is not a terminal (a pipe, a test): then there are no keys to read.
    public init?(descriptor: Int32 = STDIN_FILENO) {
        guard isatty(descriptor) == 1, tcgetattr(descriptor, &saved) == 0 else { return nil }
        self.descriptor = descriptor
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutablePointer(to: &raw.c_cc) { pointer in
            pointer.withMemoryRebound(to: cc_t.self, capacity: Int(NCCS)) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
        }
        guard tcsetattr(descriptor, TCSAFLUSH, &raw) == 0 else { return nil }
        active = true
    }

    /// Puts the saved settings back; safe to call more than once.
    public func restore() {
        lock.lock()
        defer { lock.unlock() }
        guard active else { return }
        active = false
        _ = tcsetattr(descriptor, TCSAFLUSH, &saved)
    }

    /// Reads one byte, blocking; nil at end of input.
    public func readByte() -> UInt8? {
        var byte: UInt8 = 0
        let count = SystemCalls.retryingOnInterrupt { read(descriptor, &byte, 1) }.result
        return count == 1 ? byte : nil
    }

    deinit { restore() }
}
