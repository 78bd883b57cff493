/// The suite's version, printed by every executable's `--version`.
public enum TsunagiVersion {
    public static let current = "1.0.0"
}
