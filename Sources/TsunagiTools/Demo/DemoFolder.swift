import Foundation
import TsunagiCore

extension DemoRun {
    // MARK: The folder

    /// A new `demo-YYYYMMDD-HHMMSS` folder under the var folder. Earlier runs are kept as they are
    /// (the user may still be exploring them); `latest` points at the newest.
    static func prepareFolder(_ root: String, say: (String) -> Void) throws -> String {
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let earlier = ((try? fileManager.contentsOfDirectory(atPath: root)) ?? []).filter { name in
            name.hasPrefix("demo-") && fileManager.fileExists(atPath: "\(root)/\(name)/router.toml")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .japan
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let base = "demo-" + formatter.string(from: Date())
        var name = base
        var suffix = 2
        while fileManager.fileExists(atPath: "\(root)/\(name)") {
            name = "\(base)-\(suffix)"
            suffix += 1
        }
        let folder = (root as NSString).appendingPathComponent(name)
        if fileManager.fileExists(atPath: "\(root)/router.toml") || !earlier.isEmpty {
            let count = earlier.count + (fileManager.fileExists(atPath: "\(root)/router.toml") ? 1 : 0)
            say("\(root) already holds \(count) network\(count == 1 ? "" : "s") from earlier runs; they are kept as they are, and this run starts afresh in \(folder).")
        }
        // `latest` is only ever a link this demo made: a real file or folder of that name is left alone.
        let latest = (root as NSString).appendingPathComponent("latest")
        if let type = try? fileManager.attributesOfItem(atPath: latest)[.type] as? FileAttributeType, type == .typeSymbolicLink {
            try? fileManager.removeItem(atPath: latest)
        }
        if !fileManager.fileExists(atPath: latest) {
            try? fileManager.createSymbolicLink(atPath: latest, withDestinationPath: name)
        }
        return folder
    }
}
