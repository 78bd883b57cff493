import Foundation

extension CurveCertificate {
    /// Why a key pair could not be written to its two files.
    public enum WriteError: Error, Equatable, CustomStringConvertible {
        case invalidName(String)
        case alreadyExists(path: String)
        case cannotCreateDirectory(path: String, reason: String)
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case .invalidName(let name):
                "invalid key name \"\(name)\": use lowercase ASCII letters, digits, '.' and '-', starting with a letter or digit"
            case .alreadyExists(let path): "\(path) already exists; refusing to overwrite it"
            case .cannotCreateDirectory(let path, let reason): "cannot create the directory \(path): \(reason)"
            case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
            }
        }
    }

    /// Whether `name` can name a key pair's files: an ASCII slug, `[a-z0-9][a-z0-9.-]*`.
    /// The first character excludes hidden files and names read as command-line options.
    public static func isValidName(_ name: String) -> Bool {
        func isLowercaseAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard let first = name.utf8.first, isLowercaseAlphanumeric(first) else { return false }
        return name.utf8.allSatisfy { isLowercaseAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Writes a key pair as czmq's certificate pair: `NAME.key` with both keys (mode 0600) and
    /// `NAME.pub` with the public key only (mode 0644), each with the metadata `name = NAME`.
    /// Creates `directory` (mode 0700) if it is missing.
    ///
    /// Without `overwrite`, an existing file of either name is an error and nothing is written;
    /// files are created with `O_EXCL`, so one that appears meanwhile is never replaced. With
    /// `overwrite`, each file is written beside its target and renamed over it, so a reader
    /// never sees a partial file.
    @discardableResult
    public static func write(
        keyPair: CurveKeyPair, name: String, to directory: String, overwrite: Bool = false
    ) throws(WriteError) -> (secretPath: String, publicPath: String) {
        guard isValidName(name) else { throw .invalidName(name) }
        try createDirectoryIfMissing(directory)
        let base = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let secretPath = base + ".key"
        let publicPath = base + ".pub"

        let certificate = CurveCertificate(keyPair: keyPair, metadata: ["name": name])
        let generated = Date()
        let files = [
            (path: secretPath, text: certificate.fileText(includingSecret: true, generated: generated), mode: mode_t(0o600)),
            (path: publicPath, text: certificate.fileText(includingSecret: false, generated: generated), mode: mode_t(0o644)),
        ]

        if overwrite {
            // Both temporary files first, then the renames, so that a failure rarely leaves a
            // new secret file beside an old public one.
            var staged: [(temporary: String, path: String)] = []
            defer { for file in staged { unlink(file.temporary) } }  // Those not renamed.
            for file in files {
                let temporary = "\(file.path).tmp-\(UInt32.random(in: 0 ... .max))"
                try createExclusively(temporary, contents: file.text, mode: file.mode)
                staged.append((temporary, file.path))
            }
            while let file = staged.first {
                guard rename(file.temporary, file.path) == 0 else {
                    throw .cannotWrite(path: file.path, reason: lastErrorText())
                }
                staged.removeFirst()
            }
        } else {
            // Refuse before writing anything, so that a refusal leaves no half pair behind.
            for file in files where pathExists(file.path) { throw .alreadyExists(path: file.path) }
            var created: [String] = []
            do {
                for file in files {
                    try createExclusively(file.path, contents: file.text, mode: file.mode)
                    created.append(file.path)
                }
            } catch {
                for path in created { unlink(path) }
                throw error
            }
        }
        syncDirectory(directory)
        return (secretPath, publicPath)
    }

    /// Creates `path` only if nothing is there (`O_EXCL`, which also refuses a symbolic link),
    /// with exactly `mode` whatever the umask, and flushes it to disk.
    private static func createExclusively(_ path: String, contents: String, mode: mode_t) throws(WriteError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .alreadyExists(path: path) }
            throw .cannotWrite(path: path, reason: lastErrorText())
        }
        defer { close(descriptor) }
        var failure: String?
        if fchmod(descriptor, mode) != 0 {
            failure = lastErrorText()
        } else {
            failure = writeAll(Array(contents.utf8), to: descriptor)
        }
        if failure == nil, fsync(descriptor) != 0 { failure = lastErrorText() }
        if let failure {
            unlink(path)
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    /// `mkdir -p`, creating each missing component with mode 0700; existing ones are left as they are.
    private static func createDirectoryIfMissing(_ directory: String) throws(WriteError) {
        guard !directory.isEmpty else { throw .cannotCreateDirectory(path: directory, reason: "empty path") }
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/" + component
            if mkdir(prefix, 0o700) == 0 {
                chmod(prefix, 0o700)  // The umask may have narrowed it.
            } else if errno != EEXIST {
                throw .cannotCreateDirectory(path: prefix, reason: lastErrorText())
            }
        }
        var status = stat()
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw .cannotCreateDirectory(path: directory, reason: "it exists and is not a directory")
        }
    }

    private static func pathExists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Makes the new directory entries durable; best effort, as the files themselves are synced.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

}

/// Writes every byte, resuming after partial writes and signals; returns the error text on failure.
/// At file scope because inside `CurveCertificate`, `write` names the key-pair writer.
private func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> String? {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            switch resultRetryingOnInterrupt({ write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }) {
            case .success(let written): offset += written
            case .failure: return lastErrorText()
            }
        }
        return nil
    }
}

private func lastErrorText() -> String {
    String(cString: strerror(errno))
}
