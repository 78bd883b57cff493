import ZeroMQ
import Foundation
import Testing
import TsunagiCore
import TsunagiRuntime
import TsunagiSealing
@testable import TsunagiTools

/// The package's root folder, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite struct ConfigFilesTests {
    /// Copies config/ under a temporary root, as if installed, with a key pair for everyone.
    func installedCopy() throws -> String {
        let root = NSTemporaryDirectory() + "tsunagi-config-\(UUID().uuidString)"
        let etc = root + "/etc/tsunagi"
        try FileManager.default.createDirectory(atPath: etc + "/workers", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: etc + "/keys", withIntermediateDirectories: true)
        let source = packageRoot + "/config"
        let files = ["router.toml", "agencies.toml"]
            + (try FileManager.default.contentsOfDirectory(atPath: source + "/workers")).map { "workers/" + $0 }
        for file in files {
            let text = try String(contentsOfFile: source + "/" + file, encoding: .utf8)
            try text.replacingOccurrences(of: "\"/etc/tsunagi/", with: "\"\(etc)/")
                .replacingOccurrences(of: "\"/var/lib/tsunagi", with: "\"\(root)/var/lib/tsunagi")
                .write(toFile: etc + "/" + file, atomically: true, encoding: .utf8)
        }
        for name in ["router"] + SeedAgencies.all.map(\.id.rawValue) {
            _ = try CurveCertificate.write(keyPair: .generate(), name: name, to: etc + "/keys")
        }
        for name in SeedAgencies.all.map(\.id.rawValue) {
            try SealingKeyFiles.write(.generate(), name: name, to: etc + "/keys")
        }
        return root
    }

    @Test func registryListsTheSeedAgenciesWithTheirNamesRegionsAndDueTimes() throws {
        let root = try installedCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try AgencyRegistry.load(path: root + "/etc/tsunagi/agencies.toml")
        #expect(registry.agencies.count == SeedAgencies.all.count)
        for seed in SeedAgencies.all {
            let agency = try #require(registry[seed.id])
            #expect(agency.name == seed.name && agency.region == seed.region && agency.kind == seed.kind)
            #expect(agency.ackDueBusinessDays == seed.ackDueBusinessDays)
            let runsWorker = SeedAgencies.withWorkers.contains { $0.id == seed.id }
            #expect((agency.publicKey != nil) == runsWorker, "\(seed.id) key")
            #expect(agency.sealingKeys.count == (runsWorker ? 1 : 0), "\(seed.id) sealing key")
        }
    }

    @Test func routerAndEveryWorkerConfigParse() throws {
        let root = try installedCopy()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let etc = root + "/etc/tsunagi"
        let paths = try ToolPaths.resolve(store: nil, registry: nil, routerConfig: etc + "/router.toml")
        #expect(paths == ToolPaths(store: root + "/var/lib/tsunagi/router.sqlite", registry: etc + "/agencies.toml"))
        let workerFiles = try FileManager.default.contentsOfDirectory(atPath: etc + "/workers").sorted()
        #expect(workerFiles == SeedAgencies.withWorkers.map { "\($0.id).toml" }.sorted())
        for file in workerFiles {
            let config = try WorkerConfig.load(path: etc + "/workers/" + file)
            #expect("\(config.agency).toml" == file)
            #expect(config.dataDirectory == root + "/var/lib/tsunagi/\(config.agency)")
            #expect(config.secretKeyPath == etc + "/keys/\(config.agency).key")
            #expect(config.registryPath == etc + "/agencies.toml")
            #expect(config.sealingSecretKeyPaths == [etc + "/keys/\(config.agency).seal.key"])
        }
    }

    @Test func shippedPathsAreTheInstalledOnes() throws {
        let router = try String(contentsOfFile: packageRoot + "/config/router.toml", encoding: .utf8)
        #expect(router.contains("store = \"/var/lib/tsunagi/router.sqlite\""))
        #expect(router.contains("registry = \"/etc/tsunagi/agencies.toml\""))
    }
}

@Suite struct SystemdUnitsTests {
    static let unitFolder = packageRoot + "/systemd"

    func unitFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.unitFolder).filter { $0.hasSuffix(".service") || $0.hasSuffix(".timer") }.sorted()
    }

    /// key → values of every `Key=value` line (comments skipped).
    func settings(_ file: String) throws -> [String: [String]] {
        let text = try String(contentsOfFile: Self.unitFolder + "/" + file, encoding: .utf8)
        var settings: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return settings
    }

    /// The paths of docs/OPERATIONS.md's install layout.
    func installLayout() throws -> Set<String> {
        let text = try String(contentsOfFile: packageRoot + "/docs/OPERATIONS.md", encoding: .utf8)
        let block = try #require(text.components(separatedBy: "<!-- install-layout -->").dropFirst().first?
            .components(separatedBy: "<!-- /install-layout -->").first)
        return Set(block.split(separator: "\n").compactMap { line in
            line.hasPrefix("/") ? line.split(separator: " ").first.map(String.init) : nil
        })
    }

    @Test func theUnitsAreThereAndHardened() throws {
        #expect(try unitFiles() == [
            "tsunagi-console.service", "tsunagi-employment-base@.service", "tsunagi-municipality@.service", "tsunagi-peer-support@.service",
            "tsunagi-reconcile.service", "tsunagi-reconcile.timer", "tsunagi-regional-support-center@.service",
            "tsunagi-router.service", "tsunagi-saposute@.service", "tsunagi-welfare-office@.service",
        ])
        let router = try settings("tsunagi-router.service")
        #expect(router["Type"] == ["notify"])
        #expect(router["Restart"] == ["on-failure"])
        #expect(router["KillSignal"] == ["SIGTERM"])
        #expect(router["WatchdogSec"] != nil && router["TimeoutStopSec"] != nil)
        #expect(router["ExecReload"] == ["/usr/local/bin/tsunagi config check /etc/tsunagi/router.toml", "/bin/kill -HUP $MAINPID"])
        for file in try unitFiles() where file.hasSuffix(".service") {
            let unit = try settings(file)
            #expect(unit["User"] == ["tsunagi"], "\(file)")
            #expect(unit["ProtectSystem"] == ["strict"], "\(file)")
            #expect(unit["NoNewPrivileges"] == ["yes"] && unit["PrivateTmp"] == ["yes"] && unit["ProtectHome"] == ["yes"], "\(file)")
            #expect(unit["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"], "\(file)")
            for path in unit["ReadWritePaths"] ?? [] { #expect(path.hasPrefix("/var/lib/tsunagi"), "\(file): \(path)") }
        }
        for kind in ["peer-support", "saposute", "employment-base", "welfare-office", "municipality", "regional-support-center"] {
            let worker = try settings("tsunagi-\(kind)@.service")
            #expect(worker["ExecStart"] == ["/usr/local/bin/tsunagi-\(kind) run --config /etc/tsunagi/workers/%i.toml"])
            #expect(worker["ReadWritePaths"] == ["/var/lib/tsunagi/%i"])
        }
        let console = try settings("tsunagi-console.service")
        #expect(console["ExecStart"] == ["/usr/local/bin/tsunagi console --config /etc/tsunagi/router.toml"])
        #expect(console["Restart"] == ["on-failure"] && console["After"] == ["tsunagi-router.service"])
        #expect(console["WantedBy"] == ["multi-user.target"])
        let timer = try settings("tsunagi-reconcile.timer")
        #expect(timer["Persistent"] == ["true"])
        #expect(timer["OnCalendar"]?.isEmpty == false)
    }

    @Test func everyPathTheUnitsNameIsInTheInstallLayout() throws {
        let layout = try installLayout()
        var named: Set<String> = []
        for file in try unitFiles() + ["tsunagi.sysusers.conf", "tsunagi.tmpfiles.conf"] {
            let text = try String(contentsOfFile: Self.unitFolder + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                for word in line.split(whereSeparator: { $0 == " " || $0 == "=" || $0 == "\"" }) where word.hasPrefix("/") {
                    named.insert(String(word).replacingOccurrences(of: "%i", with: "<agency-id>"))
                }
            }
        }
        #expect(named.contains("/usr/local/bin/tsunagi-router"))
        #expect(named.contains("/etc/tsunagi/workers/<agency-id>.toml"))
        for path in named.sorted() {
            #expect(layout.contains(path), "\(path) is named by a unit but not in docs/OPERATIONS.md's install layout")
        }
        // The documentation link of every unit is itself installed.
        #expect(layout.contains("/usr/local/share/doc/tsunagi/OPERATIONS.md"))
    }

    /// Where systemd-analyze is installed, the units verify once ExecStart points at binaries that
    /// exist (stand-ins in a temporary folder).
    @Test func unitsPassSystemdAnalyzeVerify() throws {
        let tool = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            print("systemd-analyze is not installed: verify skipped (the path checks above still ran)")
            return
        }
        let folder = NSTemporaryDirectory() + "tsunagi-units-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for binary in ["tsunagi", "tsunagi-router", "tsunagi-peer-support", "tsunagi-saposute", "tsunagi-employment-base",
                       "tsunagi-welfare-office", "tsunagi-municipality", "tsunagi-regional-support-center"] {
            _ = FileManager.default.createFile(atPath: folder + "/" + binary, contents: Data("#!/bin/sh\n".utf8),
                                           attributes: [.posixPermissions: 0o755])
        }
        for file in try unitFiles() {
            let text = try String(contentsOfFile: Self.unitFolder + "/" + file, encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/", with: folder + "/")
                .write(toFile: folder + "/" + file, atomically: true, encoding: .utf8)
        }
        let units = ["tsunagi-router.service", "tsunagi-reconcile.service", "tsunagi-reconcile.timer",
                     "tsunagi-peer-support@peer-support.kochi.service", "tsunagi-saposute@saposute.kochi.service",
                     "tsunagi-employment-base@employment-base.chubu.service", "tsunagi-welfare-office@welfare-office.susaki.service",
                     "tsunagi-municipality@municipality.susaki.service", "tsunagi-regional-support-center@regional-support-center.service"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["verify"] + units.map { folder + "/" + $0 }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        // Unknown keys are only warnings to systemd: any line about our files is a failure here.
        #expect(!text.contains(folder), "\(text)")
    }
}
