import Foundation

/// What `desk user add/remove/list` (and the console's `user` commands) do, apart from parsing
/// arguments: the messages are for staff, in their language.
public enum WebUserCommand {
    /// Adds an account (or sets a new password with `replace`); the password comes from `readPassword`.
    public static func add(file: UserFile, name: String, replace: Bool, language: WebLanguage,
                           readPassword: () throws -> String) throws -> String {
        try UserFile.checkName(name)
        if !replace, try file.names().contains(name) {
            throw WebUserError(
                "user.exists", "利用者「\(name)」はすでにいます。パスワードを変えるときは --replace を付けてください。",
                "The user '\(name)' already exists; add --replace to set a new password.")
        }
        let password = try readPassword()
        try file.add(name: name, password: password, replace: replace)
        return language.pick("利用者「\(name)」を登録しました（\(file.path)）。", "Added the user '\(name)' to \(file.path).")
    }

    public static func remove(file: UserFile, name: String, language: WebLanguage) throws -> String {
        try file.remove(name: name)
        return language.pick("利用者「\(name)」を削除しました。ログイン中の画面も次の操作で閉じます。",
                             "Removed the user '\(name)'; their open sessions end at their next request.")
    }

    public static func list(file: UserFile) throws -> [String] {
        try file.names().sorted()
    }

    /// The prompt shown when the password is typed at a terminal.
    public static func prompt(for name: String, language: WebLanguage) -> String {
        language.pick("「\(name)」のパスワード: ", "Password for '\(name)': ")
    }
}
