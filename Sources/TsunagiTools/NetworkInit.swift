import Foundation
import TsunagiCore
import TsunagiRuntime
import TsunagiSealing
import ZeroMQ

/// `tsunagi init DIR`: a ready network in one folder — keys for the router and every agency, the
/// registry, the router's config and one worker config per agency, on loopback with a free port.
public enum NetworkInit {
    public struct Result: Sendable {
        public let directory: String
        public let routerConfigPath: String
        public let workerConfigPaths: [AgencyID: String]
        public let endpoint: String
        /// Each worker's desk, `127.0.0.1:PORT`, as its config's `[desk]` table says.
        public let deskAddresses: [AgencyID: String]
    }

    /// - Parameter sealing: give every agency a sealing key pair (the registry publishes it and the
    ///   worker config names it). Without, personal parts travel unsealed, as before sealing.
    public static func create(in directory: String, port: Int? = nil,
                              agencies: [SeedAgencies.Entry] = SeedAgencies.all, sealing: Bool = true) throws -> Result {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: (directory as NSString).appendingPathComponent("router.toml")) {
            throw ConfigError("\(directory) already holds a network (router.toml exists): choose an empty folder")
        }
        let keys = (directory as NSString).appendingPathComponent("keys")
        let workers = (directory as NSString).appendingPathComponent("workers")
        for folder in [directory, keys, workers, (directory as NSString).appendingPathComponent("data")] {
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let chosenPort = try port ?? freeLoopbackPort()
        let metricsPort = try freeLoopbackPort()
        _ = try CurveCertificate.write(keyPair: .generate(), name: "router", to: keys)
        var registry = """
            # The agency registry: who may connect (by public key) and who may receive referrals.
            # ack_due_business_days: business days (weekends, national holidays and 12/29-1/3 off)
            # the destination has to accept or decline before a referral counts as overdue.
            # sealing_keys: the agency's sealing public keys (HPKE, X25519), current first; senders
            # seal the personal part to the first; earlier ones stay listed while referrals sealed
            # to them may be in flight (docs/OPERATIONS.md, "Rotating a sealing key").

            """
        for agency in agencies {
            _ = try CurveCertificate.write(keyPair: .generate(), name: agency.id.rawValue, to: keys)
            var sealingLine = ""
            if sealing {
                let pair = SealingKeyPair.generate()
                try SealingKeyFiles.write(pair, name: agency.id.rawValue, to: keys)
                sealingLine = "\nsealing_keys = [\n    { id = \"\(pair.id)\", public_key = \"\(pair.publicKey.hex)\" },\n]"
            }
            registry += """

                [[agency]]
                id = "\(agency.id)"
                kind = "\(agency.kind)"
                name = "\(agency.name)"
                region = "\(agency.region)"
                ack_due_business_days = \(agency.ackDueBusinessDays)
                public_key = "keys/\(agency.id).pub"\(sealingLine)

                """
        }
        try write(registry, to: (directory as NSString).appendingPathComponent("agencies.toml"))
        let endpoint = "tcp://127.0.0.1:\(chosenPort)"
        let routerConfigPath = (directory as NSString).appendingPathComponent("router.toml")
        try write("""
            # tsunagi-router's config. Relative paths are taken from this file's folder.
            # The endpoint to bind: tcp://*:PORT on a real host; loopback here.
            endpoint = "\(endpoint)"
            # The embedded store (SQLite, WAL, synchronous=FULL).
            store = "data/router/router.sqlite"
            # The router's secret certificate (mode 0600) and the agency registry.
            secret_key = "keys/router.key"
            registry = "agencies.toml"
            # Most messages committed in one transaction.
            max_batch = 1024
            log_level = "info"

            # /metrics, /healthz and /agencies for operators and the console.
            [metrics]
            listen = "127.0.0.1:\(metricsPort)"

            """, to: routerConfigPath)
        var workerPaths: [AgencyID: String] = [:]
        var deskAddresses: [AgencyID: String] = [:]
        // Every worker of this folder runs on this machine: each desk needs a port of its own.
        var deskPorts: Set<Int> = [chosenPort, metricsPort]
        for agency in agencies {
            var deskPort = try freeLoopbackPort()
            while !deskPorts.insert(deskPort).inserted { deskPort = try freeLoopbackPort() }
            let path = (workers as NSString).appendingPathComponent("\(agency.id).toml")
            try write("""
                # Worker config for \(agency.name) (\(agency.id)).
                agency = "\(agency.id)"
                router_endpoint = "\(endpoint)"
                router_public_key = "../keys/router.pub"
                secret_key = "../keys/\(agency.id).key"
                # outbox/, sent/, rejected/, inbox/ and ledger.sqlite live here.
                data_dir = "../data/\(agency.id)"
                registry = "../agencies.toml"
                log_level = "info"\(sealing ? "\n# This office's sealing secret keys, current first (mode 0600).\nsealing_secret_keys = [\"../keys/\(agency.id).seal.key\"]" : "")

                # The staff's web desk (docs/DESK.md), on unless enabled = false. Alone on its
                # machine a worker takes 127.0.0.1:\(DeskConfig.defaultPort); the workers of this
                # folder share one machine, so each has its own port.
                [desk]
                enabled = true
                listen = "127.0.0.1:\(deskPort)"

                """, to: path)
            workerPaths[agency.id] = path
            deskAddresses[agency.id] = "127.0.0.1:\(deskPort)"
            // A worker refuses a data_dir that does not exist (a typo must not start a new spool).
            try fileManager.createDirectory(atPath: (directory as NSString).appendingPathComponent("data/\(agency.id)"),
                                            withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return Result(directory: directory, routerConfigPath: routerConfigPath, workerConfigPaths: workerPaths, endpoint: endpoint,
                      deskAddresses: deskAddresses)
    }

    /// Sets the `[desk]` table that `create` wrote into a worker config: its address, or off.
    public static func setDesk(in configPath: String, listen: String? = nil, enabled: Bool = true) throws {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        guard let table = text.range(of: "\n[desk]\n") else { throw ConfigError("\(configPath) has no [desk] table") }
        var lines = text[table.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for index in lines.indices {
            if lines[index].hasPrefix("[") { break }
            if lines[index].hasPrefix("enabled = ") { lines[index] = "enabled = \(enabled)" }
            if let listen, lines[index].hasPrefix("listen = ") { lines[index] = "listen = \"\(listen)\"" }
        }
        try write(String(text[..<table.upperBound]) + lines.joined(separator: "\n"), to: configPath)
    }

    static func write(_ text: String, to path: String, mode: Int = 0o600) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw ConfigError("cannot write \(path)")
        }
    }

    /// Asks the kernel for a free port on 127.0.0.1 (bind to port 0, read it back, close).
    public static func freeLoopbackPort() throws -> Int {
        let context = try Context()
        defer { context.terminate() }
        let socket = try Socket(context, type: .router)
        let endpoint = try socket.bindReturningEndpoint("tcp://127.0.0.1:*")
        guard let port = endpoint.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw ConfigError("cannot find a free port on 127.0.0.1")
        }
        return port
    }
}
