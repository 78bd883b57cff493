import Foundation
import TsunagiCore

/// `tsunagi watch`: the pending view redrawn in place, fitted to the terminal. The title, the
/// column headings and the overdue rows always stay on the screen: rows that do not fit are
/// counted in an "and N more" line instead of scrolling the top away. Ids are never shortened.
public enum WatchScreen {
    /// ANSI: cursor home and clear the screen, so each refresh replaces the last.
    public static let clearScreen = "\u{1B}[H\u{1B}[2J"
    /// The alternate screen (what the terminal showed before comes back on exit) without a cursor.
    public static let enterFullScreen = "\u{1B}[?1049h\u{1B}[?25l"
    public static let leaveFullScreen = "\u{1B}[?25h\u{1B}[?1049l"

    /// Colour unless asked not to (`--no-color`, or NO_COLOR set to anything, as no-color.org asks).
    public static func wantsColour(noColourFlag: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !noColourFlag && environment["NO_COLOR"] == nil
    }

    /// One frame of at most `height` lines (all rows when nil) and `width` columns. `clear` is
    /// false for `--once`, so a script or a test gets plain text; `interactive` adds "q で終了".
    public static func frame(items: [PendingItem], names: AgencyDirectory? = nil, now: Date = Date(), width: Int = 80,
                             height: Int? = nil, colour: Bool, clear: Bool, interactive: Bool = false,
                             agency: AgencyID?) -> String {
        let width = max(width, 20)
        let clock = japanClock(now)
        let scope = agency.map { " \($0)" } ?? ""
        let quit = interactive ? "q で終了" : ""
        var title = "未応答の紹介\(scope)  \(clock) JST"
        let gap = width - TerminalScreen.width(title) - TerminalScreen.width(quit)
        title = gap >= 2 ? title + String(repeating: " ", count: gap) + quit
            : TerminalScreen.truncate(quit.isEmpty ? title : quit + "  " + title, to: width)

        let layout = WatchLayout(items: items, names: names, width: width)
        let summary = TerminalScreen.truncate(PendingView.summary(items), to: width)

        // Title, headings and the summary always show; the rows get what is left.
        var shown = items.count
        var more: String?
        if let height {
            let room = max(height - 2 - layout.headings.count, 0)
            if items.count * layout.linesPerItem > room {
                shown = max((room - 1) / layout.linesPerItem, 0)
                let hidden = items.dropFirst(shown)
                let hiddenOverdue = hidden.filter(\.overdue).count
                more = TerminalScreen.truncate(
                    "… and \(hidden.count) more" + (hiddenOverdue > 0 ? " (\(hiddenOverdue) overdue)" : "")
                        + ": a taller window, --overdue or --agency shows them", to: width)
            }
        }
        var lines = [title] + layout.headings
        for item in items.prefix(shown) {
            for line in layout.lines(for: item) {
                lines.append(colour && item.overdue ? "\u{1B}[1;31m" + line + "\u{1B}[0m" : line)
            }
        }
        if items.isEmpty { lines.append("(nothing unacknowledged)") }
        if let more { lines.append(more) }
        lines.append(summary)
        if let height, lines.count > height { lines = Array(lines.prefix(height)) }
        // No newline after the last line of a full screen: it would scroll the title away.
        return (clear ? clearScreen : "") + lines.joined(separator: "\n") + (clear ? "" : "\n")
    }
}

/// How the rows of one frame are laid out: one line per referral when the full ids fit, else two
/// (the agencies on a line of their own, and on the first line what fits beside the id: due day,
/// age, state). Needs and Japanese names are added only in the room left. Ids are never cut.
struct WatchLayout {
    enum Column { case id, from, to, state, age, due, needs }

    let width: Int
    let names: AgencyDirectory?
    let twoLines: Bool
    /// The columns of the first (or only) line, in order.
    let columns: [Column]
    let widths: [Column: Int]
    let shortNeeds: Bool
    let nameWidth: Int
    let agencyWidth: Int

    var linesPerItem: Int { twoLines ? 2 : 1 }

    init(items: [PendingItem], names: AgencyDirectory?, width: Int) {
        self.width = width
        self.names = names
        func widest(_ texts: [String], heading: String) -> Int { ([heading] + texts).map(TerminalScreen.width).max() ?? 0 }
        let agencyWidth = widest(items.flatMap { [$0.from.rawValue, $0.to.rawValue] }, heading: "FROM")
        self.agencyWidth = agencyWidth
        var widths: [Column: Int] = [
            .id: widest(items.map(\.id.rawValue), heading: "ID"), .from: agencyWidth, .to: agencyWidth,
            .state: widest(items.map(\.state.rawValue), heading: "STATE"),
            .age: widest(items.map { "\($0.ageBusinessDays)" }, heading: "AGE"),
            .due: widest(items.map { $0.dueDay.description + "!" }, heading: "DUE"),
        ]
        let fullNeeds = widest(items.map { $0.needs.map(\.rawValue).joined(separator: ",") }, heading: "NEEDS")
        let shortNeedsWidth = widest(items.map { NeedAbbreviation.short($0.needs.map(\.rawValue).joined(separator: ",")) }, heading: "NEEDS")
        let longestName = items.flatMap { [$0.from, $0.to] }.compactMap { names?[$0]?.name }.map(TerminalScreen.width).max() ?? 0

        // One line: ID FROM TO STATE AGE DUE, one space apart; without STATE (submitted or
        // delivered, the least telling) when that makes it fit.
        func span(_ columns: [Column]) -> Int { columns.map { widths[$0]! }.reduce(0, +) + columns.count - 1 }
        var oneLine: [Column] = [.id, .from, .to, .state, .age, .due]
        if span(oneLine) > width { oneLine.removeAll { $0 == .state } }
        twoLines = span(oneLine) > width
        var columns: [Column]
        if twoLines {
            // Beside the id, what fits of due day, age and state, in that order of importance.
            var used = widths[.id]!
            var beside: Set<Column> = []
            for column in [Column.due, .age, .state] where used + 1 + widths[column]! <= width {
                beside.insert(column)
                used += 1 + widths[column]!
            }
            columns = [.id] + [Column.state, .age, .due].filter(beside.contains)
        } else {
            columns = oneLine
        }
        var left = width - (columns.map { widths[$0]! }.reduce(0, +) + columns.count - 1)
        if left >= fullNeeds + 1 {
            widths[.needs] = fullNeeds; shortNeeds = false
        } else if left >= shortNeedsWidth + 1 {
            widths[.needs] = shortNeedsWidth; shortNeeds = true
        } else {
            shortNeeds = true
        }
        if let needs = widths[.needs] {
            columns.append(.needs)
            left -= needs + 1
        }
        // On two lines the names share the second line's room: "  FROM name → TO name".
        if twoLines { left = width - (2 + 2 * agencyWidth + 3) }
        // A name beside each agency id (one space before it), cut with "…" but never below 6 columns.
        let perName = min(longestName, left / 2 - 1)
        nameWidth = longestName > 0 && perName >= 6 ? perName : 0
        if nameWidth > 0, !twoLines {
            widths[.from] = agencyWidth + nameWidth + 1
            widths[.to] = agencyWidth + nameWidth + 1
        }
        self.columns = columns
        self.widths = widths
    }

    /// The agency's id and, when there is room, its name: in a column (names aligned) on one line,
    /// right after the id on the second line of two.
    func agencyCell(_ agency: AgencyID) -> String {
        guard nameWidth > 0 else { return agency.rawValue }
        let name = TerminalScreen.truncate(names?[agency]?.name ?? "", to: nameWidth)
        return twoLines ? agency.rawValue + " " + name : TerminalScreen.pad(agency.rawValue, to: agencyWidth) + " " + name
    }

    static let headingNames: [Column: String] = [.id: "ID", .from: "FROM", .to: "TO", .state: "STATE", .age: "AGE", .due: "DUE", .needs: "NEEDS"]

    var headings: [String] {
        let first = row(columns.map { Self.headingNames[$0]! })
        return twoLines ? [first, "  FROM → TO"] : [first]
    }

    func cell(_ column: Column, _ item: PendingItem) -> String {
        switch column {
        case .id: item.id.rawValue
        case .from: agencyCell(item.from)
        case .to: agencyCell(item.to)
        case .state: item.state.rawValue
        case .age: "\(item.ageBusinessDays)"
        case .due: item.dueDay.description + (item.overdue ? "!" : "")
        case .needs:
            shortNeeds ? NeedAbbreviation.short(item.needs.map(\.rawValue).joined(separator: ","))
                : item.needs.map(\.rawValue).joined(separator: ",")
        }
    }

    func lines(for item: PendingItem) -> [String] {
        let first = row(columns.map { cell($0, item) })
        guard twoLines else { return [first] }
        return [first, "  " + agencyCell(item.from) + " → " + agencyCell(item.to)]
    }

    func row(_ cells: [String]) -> String {
        zip(cells, columns).map { TerminalScreen.pad($0, to: widths[$1]!) }.joined(separator: " ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
}

/// "2024-05-03 09:30": the wall clock in Japan, whatever the server's zone.
func japanClock(_ now: Date) -> String {
    let localSeconds = Int(now.timeIntervalSince1970) + TimeZone.japan.secondsFromGMT(for: now)
    let secondOfDay = ((localSeconds % 86_400) + 86_400) % 86_400
    let hour = secondOfDay / 3600, minute = secondOfDay % 3600 / 60
    return "\(CivilDate(now, in: .japan)) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
}
