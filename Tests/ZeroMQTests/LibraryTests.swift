import Testing
import ZeroMQ

extension ZeroMQTests {
    @Test("libzmq is 4.x and built with CURVE and ipc, which every other test relies on")
    static func libraryCapabilities() {
        #expect(Context.version.major == 4)
        #expect(Context.has("curve"))
        #expect(Context.has("ipc"))
    }
}
