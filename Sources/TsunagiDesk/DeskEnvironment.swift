import Foundation
import TsunagiCore
import TsunagiStaff
import TsunagiStore
import TsunagiWeb

/// An agency in the desk's lists: its id and the name the prefecture's tables use.
public struct DeskAgency: Sendable, Hashable {
    public let id: AgencyID
    public let name: String
    public let kind: String
    public let ackDueBusinessDays: Int

    public init(id: AgencyID, name: String, kind: String, ackDueBusinessDays: Int) {
        self.id = id
        self.name = name
        self.kind = kind
        self.ackDueBusinessDays = ackDueBusinessDays
    }
}

/// A personal column of the agency kind (its case number, its own columns), for the form and the page.
public struct DeskColumn: Sendable, Hashable {
    public let heading: String
    public let key: String
    public let allowedValues: [String]

    public init(heading: String, key: String, allowedValues: [String] = []) {
        self.heading = heading
        self.key = key
        self.allowedValues = allowedValues
    }
}

/// What the desk needs from the worker it runs in. The worker fills it (its profile, folders,
/// ledger, registry and connection); the desk itself knows nothing of ZeroMQ or the outbox reader.
public struct DeskEnvironment: Sendable {
    public let agency: AgencyID
    /// The kind's Japanese name (若者サポートステーション …).
    public let kindName: String
    /// Name, contact, the kind's case number, its own columns and the note, in the kind's order.
    public let personalColumns: [DeskColumn]
    /// The words of the kind's outcomes for 完了.
    public let outcomes: [String]
    /// Destinations to list first in the form.
    public let typicalDestinations: [AgencyID]
    /// Business days this agency has to answer when the sender set no due date.
    public let ackDueBusinessDays: Int
    /// Every agency of the registry (names for lists; destinations for the form).
    public let agencies: [DeskAgency]
    public let ledger: AgencyLedger
    /// The worker's rejected/ folder: a refused file and its `.error` beside it.
    public let rejectedFolder: String
    /// Whether the worker is connected to the router now.
    public let isConnected: @Sendable () -> Bool
    /// Checks a referral document the way the outbox reader will; nil when it would be taken,
    /// else the reason it would be refused.
    public let check: @Sendable (Data) -> String?
    /// Puts a referral document into the outbox (whole or not at all), as `submit` does.
    public let submit: @Sendable (_ document: Data, _ fileName: String) throws -> Void
    public let calendar: BusinessCalendar
    /// Today in Japan (tests move it).
    public let today: @Sendable () -> CivilDate

    public init(agency: AgencyID, kindName: String, personalColumns: [DeskColumn], outcomes: [String],
                typicalDestinations: [AgencyID], ackDueBusinessDays: Int, agencies: [DeskAgency], ledger: AgencyLedger,
                rejectedFolder: String, isConnected: @escaping @Sendable () -> Bool,
                check: @escaping @Sendable (Data) -> String?,
                submit: @escaping @Sendable (Data, String) throws -> Void,
                calendar: BusinessCalendar = .japanesePublicOffices,
                today: @escaping @Sendable () -> CivilDate = { CivilDate.today() }) {
        self.agency = agency
        self.kindName = kindName
        self.personalColumns = personalColumns
        self.outcomes = outcomes
        self.typicalDestinations = typicalDestinations
        self.ackDueBusinessDays = ackDueBusinessDays
        self.agencies = agencies
        self.ledger = ledger
        self.rejectedFolder = rejectedFolder
        self.isConnected = isConnected
        self.check = check
        self.submit = submit
        self.calendar = calendar
        self.today = today
    }

    /// The registry's names, as the answers' sentences use them.
    public var names: AgencyNames { AgencyNames(registry: Dictionary(agencies.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })) }

    /// The agency's name from the registry, or its id when the registry does not list it.
    public func name(of id: AgencyID) -> String {
        agencies.first { $0.id == id }?.name ?? id.rawValue
    }
}

extension WebLanguage {
    /// The same language for the staff's words (TsunagiStaff), which the commands share.
    var staff: StaffLanguage { self == .ja ? .ja : .en }
}
