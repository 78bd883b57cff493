import Foundation
import TsunagiCore

/// Referrals and files the tests share.
enum Fixtures {
    static func routingJSON(id: String, from: String = "peer-support.kochi", to: String = "saposute.kochi",
                            createdAt: String = "2026-11-27T09:30:00+09:00") -> String {
        """
        {"id": "\(id)", "from": "\(from)", "to": "\(to)", "created_at": "\(createdAt)",
         "needs": ["employment"], "age_band": "20s", "sex": "male", "municipality": "高知市",
         "consent": {"basis": "person", "obtained_on": "2026-11-20", "recorded_by": "相談員A"}}
        """
    }

    static func document(id: String, from: String = "peer-support.kochi", to: String = "saposute.kochi",
                         createdAt: String = "2026-11-27T09:30:00+09:00") -> Data {
        Data("""
            {"routing": \(routingJSON(id: id, from: from, to: to, createdAt: createdAt)),
             "personal": {"name": "山田 太郎", "contact": "090-0000-0000", "note": "午前中は連絡がつきにくい"}}
            """.utf8)
    }

    static func referral(id: String, from: String = "peer-support.kochi", to: String = "saposute.kochi",
                         createdAt: String = "2026-11-27T09:30:00+09:00", personal: String = #"{"name":"山田 太郎"}"#) throws -> Referral {
        Referral(routing: try Routing.decode(json: Array(routingJSON(id: id, from: from, to: to, createdAt: createdAt).utf8)),
                 personal: Array(personal.utf8))
    }

    static func temporaryFolder() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tsunagi-worker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
