// swift-tools-version:6.0
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
    ],
    targets: [
        // The only target that sees C: libzmq from Debian's libzmq3-dev. No pkgConfig: Debian's
        // libzmq.pc adds a flag SwiftPM rejects, and zmq.h is in /usr/include anyway.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
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
