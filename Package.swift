// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tsunagi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tsunagi", targets: ["tsunagi"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // The only target that sees C: libzmq from Debian's libzmq3-dev. No pkgConfig: Debian's
        // libzmq.pc adds a flag SwiftPM rejects, and zmq.h is in /usr/include anyway.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        // The domain: referral, states, protocol codec, business-day calendar. No I/O.
        .target(name: "TsunagiCore"),
        // The embedded store: SQLite (WAL, synchronous=FULL), migrations, events. SQL stays in here.
        .target(name: "TsunagiStore", dependencies: ["TsunagiCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "tsunagi",
            dependencies: [
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
    ],
    swiftLanguageModes: [.v6]
)
