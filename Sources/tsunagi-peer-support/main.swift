import TsunagiWorker

// The peer-support agency's worker: the shared worker with this kind's profile.
await WorkerCommand.main(profile: .peerSupport)
