import Foundation

/// The Python the tests run (selenium for the browser tests, pyhpke, prometheus_client): the venv
/// that scripts/ensure-dependencies makes in the package's .venv, or $TSUNAGI_TEST_PYTHON.
public enum TestPython {
    /// The package's root: the folder above .build that holds Package.swift.
    public static let packageRoot: URL = {
        var url = BuiltExecutables.directory
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    public static var executable: String {
        if let configured = ProcessInfo.processInfo.environment["TSUNAGI_TEST_PYTHON"], !configured.isEmpty {
            return configured
        }
        let path = packageRoot.appendingPathComponent(".venv/bin/python").path
        precondition(FileManager.default.isExecutableFile(atPath: path),
                     "no test venv at \(path): run scripts/ensure-dependencies (scripts/test does)")
        return path
    }
}
