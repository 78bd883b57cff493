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
        NetworkFolders.folder(agency, name, in: network.directory)
    }

    /// Drops a referral document into `agency`'s outbox whole: written under a hidden name, then renamed.
    public func drop(_ document: Data, named name: String, into agency: AgencyID) throws {
        try NetworkFolders.drop(document, named: name, into: folder(agency, "outbox"))
    }

    /// Visible files of one of `agency`'s folders, sorted.
    public func files(_ agency: AgencyID, _ name: String) -> [String] {
        NetworkFolders.visibleFiles(in: folder(agency, name))
    }

    public func ledger(_ agency: AgencyID) throws -> AgencyLedger {
        try AgencyLedger(path: folder(agency, "ledger.sqlite"))
    }

    /// The last lines of every log in the harness folder, for a failing test's message.
    public func logs(lines: Int = 30) -> String {
        NetworkFolders.logs(in: directory, lines: lines)
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
