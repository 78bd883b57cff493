import Foundation
import TsunagiCore
import TsunagiStore
import TsunagiTools

/// The worker side of a `RouterHarness` network: the real worker executables on the network's
/// worker configs, their folders and their ledgers.
extension RouterHarness {
    public static let workerExecutables = [
        "peer-support": "tsunagi-peer-support", "saposute": "tsunagi-saposute",
        "employment-base": "tsunagi-employment-base", "welfare-office": "tsunagi-welfare-office",
        "municipality": "tsunagi-municipality", "regional-support-center": "tsunagi-regional-support-center",
    ]

    /// Starts `agency`'s worker daemon (`run --config workers/<agency>.toml`). It is killed when the
    /// returned value is stopped or released.
    public func startWorker(_ agency: AgencyID) throws -> DaemonProcess {
        guard let executable = Self.workerExecutables[agency.kind], let config = network.workerConfigPaths[agency] else {
            throw HarnessError("no worker for \(agency) in this network")
        }
        return try DaemonProcess(executable, ["run", "--config", config], logDirectory: directory, name: agency.rawValue)
    }

    public func folder(_ agency: AgencyID, _ name: String) -> String {
        "\(network.directory)/data/\(agency)/\(name)"
    }

    /// Drops a referral document into `agency`'s outbox whole: written under a hidden name, then renamed.
    public func drop(_ document: Data, named name: String, into agency: AgencyID) throws {
        let outbox = folder(agency, "outbox")
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        let temporary = "\(outbox)/.\(name).tmp"
        try document.write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.moveItem(atPath: temporary, toPath: "\(outbox)/\(name)")
    }

    /// Visible files of one of `agency`'s folders, sorted.
    public func files(_ agency: AgencyID, _ name: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder(agency, name))) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    public func ledger(_ agency: AgencyID) throws -> AgencyLedger {
        try AgencyLedger(path: folder(agency, "ledger.sqlite"))
    }

    /// The last lines of every log in the harness folder, for a failing test's message.
    public func logs(lines: Int = 30) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { name in
            let text = (try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension SampleReferral {
    /// A referral as a worker's outbox JSON document.
    public static func document(id: String, from: AgencyID, to: AgencyID) -> Data {
        Data("""
            {"routing": {"id": "\(id)", "from": "\(from)", "to": "\(to)", "created_at": "2026-11-27T09:30:00+09:00",
                         "needs": ["employment"], "age_band": "20s", "sex": "unknown", "municipality": "高知市",
                         "consent": {"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}},
             "personal": {"name": "テスト 太郎", "case_number": "\(id)-case"}}
            """.utf8)
    }
}
