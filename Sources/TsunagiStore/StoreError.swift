import Foundation

/// A store that cannot be opened or written. The router answers `store-unavailable` and
/// acknowledges nothing while this lasts.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
