import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TsunagiCore
import TsunagiDesk
import TsunagiRuntime
import TsunagiWeb

extension WorkerDaemon {
    /// What the desk sees of this worker: its profile, ledger, folders, registry and connection.
    public func deskEnvironment() -> DeskEnvironment {
        let registry = config.registryPath.flatMap { try? AgencyRegistry.load(path: $0) }
        let agencies = (registry?.sorted ?? []).map {
            DeskAgency(id: $0.id, name: $0.name, kind: $0.kind, ackDueBusinessDays: $0.ackDueBusinessDays)
        }
        let reader = self.reader
        let folders = self.folders
        let events = self.events
        return DeskEnvironment(
            agency: config.agency, kindName: profile.japaneseName,
            personalColumns: profile.personalColumns.map { DeskColumn(heading: $0.heading, key: $0.key, allowedValues: $0.allowedValues) },
            outcomes: profile.outcomes, typicalDestinations: profile.typicalDestinations,
            ackDueBusinessDays: registry?[config.agency]?.ackDueBusinessDays ?? profile.defaultAckDueBusinessDays,
            agencies: agencies, ledger: ledger, rejectedFolder: folders.rejected,
            isConnected: { events.isConnected },
            check: { document in
                do {
                    _ = try reader.read(document, name: "desk.json")
                    return nil
                } catch let refusal as RejectionReason {
                    return refusal.message
                } catch {
                    return "\(error)"
                }
            },
            submit: { document, name in
                for folder in [folders.outbox, folders.sent, folders.rejected]
                where FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(name)) {
                    throw WorkerDeskError("\(name) is already in \((folder as NSString).lastPathComponent)/: this referral was sent before")
                }
                try DurableFiles.write(document, to: (folders.outbox as NSString).appendingPathComponent(name))
            })
    }
}

struct WorkerDeskError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The desk as one more service of the worker: serves until the worker stops. A desk that cannot
/// serve (its port taken) is logged and leaves the worker running: hand-offs do not wait on a web page.
struct DeskService: Service {
    let desk: Desk
    let settings: DeskSettings
    let logger: Logger

    init?(daemon: WorkerDaemon, logger: Logger) throws {
        guard let config = daemon.config.desk, config.enabled else { return nil }
        settings = DeskSettings(host: config.host, port: config.port, usersFile: config.usersFile,
                                sessionMinutes: config.sessionMinutes, secureCookies: config.secureCookies)
        self.logger = logger
        desk = try Desk(environment: daemon.deskEnvironment(), settings: settings, logger: logger)
        if (try? desk.site.users.names().isEmpty) ?? true {
            logger.warning("the desk has no staff account yet: add one with 'desk user add NAME'",
                           metadata: ["desk.users": "\(settings.usersFile)"])
        }
    }

    func run() async throws {
        let logger = self.logger
        let app = desk.buildApplication(settings: settings, logger: logger) { port in
            logger.notice("desk serving", metadata: ["desk.address": "http://\(settings.host):\(port)/"])
        }
        do {
            try await app.run()
        } catch {
            logger.error("the desk cannot serve; the worker goes on without it",
                         metadata: ["desk.listen": "\(settings.host):\(settings.port)", "error": "\(error)"])
        }
    }
}

extension WorkerService {
    /// Runs the daemon and, when the config turns it on, the desk, until SIGTERM or SIGINT.
    func runWithDeskUntilSignalled() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: self)]
        if let desk = try DeskService(daemon: daemon, logger: logger) {
            services.append(.init(service: desk, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `desk user add/remove/list`: the staff accounts of the agency's desk.
struct DeskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk", abstract: "The staff's web desk.", subcommands: [User.self])

    struct User: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Staff accounts of the desk (bcrypt hashes in an owner-only file beside the ledger).",
            subcommands: [Add.self, Remove.self, List.self])
    }

    struct UserOptions: ParsableArguments {
        @OptionGroup var options: ConfigOption
        @Option(help: "Messages in this language (ja or en); English when LANG is C.") var lang: String?

        var language: WebLanguage {
            if let lang { return WebLanguage(rawValue: lang) ?? .ja }
            let environment = ProcessInfo.processInfo.environment
            let locale = environment["LC_ALL"] ?? environment["LANG"] ?? ""
            return locale == "C" || locale == "POSIX" || locale.hasPrefix("en") ? .en : .ja
        }

        func usersFile() throws -> UserFile {
            let settings = try options.load()
            return UserFile(path: settings.desk?.usersFile ?? DeskConfig.defaultUsersFile(dataDirectory: settings.dataDirectory))
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a staff account; the password is read from standard input.")
        @Argument(help: "The staff member's login name (letters, digits, '.', '_', '-').") var name: String
        @Flag(help: "Set a new password for an existing account.") var replace = false
        @OptionGroup var user: UserOptions

        func run() throws {
            let language = user.language
            do {
                let file = try user.usersFile()
                print(try WebUserCommand.add(file: file, name: name, replace: replace, language: language) {
                    try UserFile.readPassword(prompt: WebUserCommand.prompt(for: name, language: language))
                })
            } catch let error as WebUserError {
                throw CommandFailure(error.message(language))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a staff account; its open sessions end.")
        @Argument(help: "The staff member's login name.") var name: String
        @OptionGroup var user: UserOptions

        func run() throws {
            do {
                print(try WebUserCommand.remove(file: try user.usersFile(), name: name, language: user.language))
            } catch let error as WebUserError {
                throw CommandFailure(error.message(user.language))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the staff accounts, one name a line.")
        @OptionGroup var user: UserOptions

        func run() throws {
            do {
                for name in try WebUserCommand.list(file: try user.usersFile()) { print(name) }
            } catch let error as WebUserError {
                throw CommandFailure(error.message(user.language))
            }
        }
    }
}
