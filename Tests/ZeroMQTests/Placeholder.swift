import Testing
import ZeroMQ
@Test func version() { #expect(Context.version.major == 4) }
