import Foundation
import Testing
import TsunagiCore
@testable import TsunagiWorker
#if canImport(Glibc)
import Glibc
#endif

/// The outbox takes only regular files placed in it; everything else is refused with a sentence,
/// unread, and moved to rejected/.
@Suite(.timeLimit(.minutes(1)))
struct OutboxDoorTests {
    let folders: WorkerFolders

    init() throws {
        folders = WorkerFolders(root: try Fixtures.temporaryFolder())
        try folders.prepare()
    }

    func path(_ folder: String, _ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    func kind(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    func errorText(_ name: String) throws -> String {
        try String(contentsOfFile: path(folders.rejected, OutboxDoor.errorFileName(for: name)), encoding: .utf8)
    }

    /// Two scans: a regular file must look the same twice before it is taken.
    func scanTwice() -> [String] {
        var scanner = OutboxScanner(folders: folders)
        _ = scanner.readyFiles()
        return scanner.readyFiles()
    }

    @Test func aLinkToAFileOutsideIsRefusedUnread() throws {
        let secretFolder = try Fixtures.temporaryFolder()
        let secret = path(secretFolder, "shadow")
        let secretText = "root:$6$SECRET-HASH:19000:0:99999:7:::\n"
        try secretText.write(toFile: secret, atomically: true, encoding: .utf8)
        let referralElsewhere = path(secretFolder, "PS-L1.json")
        try Fixtures.document(id: "PS-L1", from: "saposute.kochi", to: "peer-support.kochi").write(to: URL(fileURLWithPath: referralElsewhere))
        #expect(symlink(secret, path(folders.outbox, "shadow.csv")) == 0)
        #expect(symlink(referralElsewhere, path(folders.outbox, "PS-L1.json")) == 0)

        // Even when asked for by name (a link put in place after a scan), it is not opened.
        guard case .refused(let reason) = OutboxDoor(folders: folders).open("shadow.csv") else {
            Issue.record("a link was opened")
            return
        }
        #expect(reason.message.contains("symbolic link"))

        #expect(scanTwice().isEmpty)
        for name in ["shadow.csv", "PS-L1.json"] {
            #expect(kind(path(folders.outbox, name)) == nil)
            #expect(kind(path(folders.rejected, name)) == S_IFLNK, "moved as a link")
            let error = try errorText(name)
            #expect(error.contains("シンボリックリンク") && error.contains("symbolic link"))
            #expect(!error.contains("SECRET") && !error.contains("root:") && !error.contains("PS-L1\""))
        }
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == secretText, "the target is unchanged")
        #expect(FileManager.default.fileExists(atPath: referralElsewhere))
    }

    @Test func aFIFOAndAFolderAreRefusedWithoutWaiting() throws {
        #expect(mkfifo(path(folders.outbox, "pipe.csv"), 0o600) == 0)
        try FileManager.default.createDirectory(atPath: path(folders.outbox, "cases"), withIntermediateDirectories: false)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: path(folders.outbox, "cases/inner.json")))

        // Opening a FIFO for reading would wait for a writer for ever; the door never tries.
        guard case .refused = OutboxDoor(folders: folders).open("pipe.csv") else {
            Issue.record("a FIFO was not refused")
            return
        }
        #expect(scanTwice().isEmpty)
        #expect(kind(path(folders.rejected, "pipe.csv")) == S_IFIFO)
        #expect(kind(path(folders.rejected, "cases")) == S_IFDIR)
        #expect(try errorText("pipe.csv").contains("FIFO"))
        #expect(try errorText("cases").contains("フォルダ"))
        // What was never read is not to be "fixed and dropped again under the same name": its
        // sentence says what to do instead.
        for name in ["pipe.csv", "cases"] {
            let text = try errorText(name)
            #expect(text.hasPrefix("「\(name)」は読まずに rejected/ に移しました") && !text.contains("同じ名前で"), "\(text)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.outbox).isEmpty)
    }

    @Test func aHardLinkIsRefused() throws {
        let elsewhere = path(try Fixtures.temporaryFolder(), "PS-H1.json")
        try Fixtures.document(id: "PS-H1").write(to: URL(fileURLWithPath: elsewhere))
        #expect(link(elsewhere, path(folders.outbox, "PS-H1.json")) == 0)
        guard case .refused(let reason) = OutboxDoor(folders: folders).open("PS-H1.json") else {
            Issue.record("a hard link was read")
            return
        }
        #expect(reason.message.contains("hard link"))
    }

    @Test func aNameThatIsNotUTF8IsMovedUnderASafeName() throws {
        let raw = [UInt8](try #require("紹介.csv".data(using: .shiftJIS)))
        let full = OutboxDoor.cString(Array(folders.outbox.utf8) + [UInt8(ascii: "/")] + raw)
        let fd = open(full, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(fd >= 0)
        close(fd)
        #expect(scanTwice().isEmpty)
        #expect(OutboxDoor.entries(of: folders.outbox).isEmpty, "nothing stays in the outbox")
        let rejected = try FileManager.default.contentsOfDirectory(atPath: folders.rejected).sorted()
        #expect(rejected.count == 2)
        let moved = try #require(rejected.first { !$0.hasSuffix(".error") })
        #expect(moved.hasPrefix("renamed-") && moved.hasSuffix(".csv"))
        let error = try errorText(moved)
        #expect(error.contains("UTF-8 ではない") && error.contains("8F D0 89 EE") && error.contains("紹介.csv"))
        #expect(!error.contains("同じ名前で"), "a renamed file is to be dropped again under a readable name")
    }

    @Test func aLongNameGetsItsErrorUnderAShortenedNameThatSaysWhichFile() throws {
        let name = String(repeating: "あ", count: 82) + ".json"
        #expect(name.utf8.count == 251)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path(folders.outbox, name)))
        let door = OutboxDoor(folders: folders)
        guard case .file(let data, _) = door.open(name) else {
            Issue.record("the file was not read")
            return
        }
        let reader = ReferralFileReader(agency: AgencyID("peer-support.kochi"), profile: .peerSupport, knownDestinations: nil)
        #expect(throws: RejectionReason.self) { try reader.read(data, name: name) }
        try door.reject(name, reason: RejectionReason(japanese: "正しいJSONではありません。", english: "not valid JSON"))
        let errorName = OutboxDoor.errorFileName(for: name)
        #expect(errorName.utf8.count <= 255 && errorName.hasSuffix(".error") && errorName.hasPrefix(String(repeating: "あ", count: 60)))
        #expect(FileManager.default.fileExists(atPath: path(folders.rejected, name)))
        #expect(try errorText(name).contains(name), "the sentence names the whole file")
    }

    @Test func aKilledWorkersTempFileInTheInboxIsRemovedAtStart() throws {
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = path(folders.inbox, ".PS-T1.json.\(finished.processIdentifier).tmp")
        let live = path(folders.inbox, ".PS-T2.json.\(getppid()).tmp")
        let ours = path(folders.inbox, ".PS-T3.json.\(getpid()).tmp")
        for file in [stale, live, ours] { _ = FileManager.default.createFile(atPath: file, contents: Data()) }
        try folders.prepare()
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live) && FileManager.default.fileExists(atPath: ours), "a writer that still runs keeps its file")
    }

    @Test func aFixedFileDroppedAgainClearsItsOldRejection() throws {
        let door = OutboxDoor(folders: folders)
        let name = "cases.csv"
        try Data("broken".utf8).write(to: URL(fileURLWithPath: path(folders.outbox, name)))
        try door.reject(name, reason: RejectionReason(japanese: "一度目", english: "first"))
        try Data("still broken".utf8).write(to: URL(fileURLWithPath: path(folders.outbox, name)))
        try door.reject(name, reason: RejectionReason(japanese: "二度目", english: "second"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.rejected).sorted() == [name, name + ".error"],
                "the new rejection replaces the old one")
        #expect(try errorText(name).contains("second") && !errorText(name).contains("first"))
        #expect(try String(contentsOfFile: path(folders.rejected, name), encoding: .utf8) == "still broken")

        try Data("fixed".utf8).write(to: URL(fileURLWithPath: path(folders.outbox, name)))
        try door.markSent(name)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.rejected).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.sent) == [name])
    }

    @Test func filesStillBeingWrittenAreLeftAloneAndListed() throws {
        for name in [".cases.csv.123.tmp", "upload.tmp", ".hidden.json"] {
            _ = FileManager.default.createFile(atPath: path(folders.outbox, name), contents: Data("x".utf8))
        }
        #expect(scanTwice().isEmpty)
        #expect(OutboxDoor(folders: folders).waitingFiles().map(\.name) == [".cases.csv.123.tmp", ".hidden.json", "upload.tmp"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders.rejected).isEmpty)
    }
}
