import TsunagiWorker

// The saposute agency's worker: the shared worker with this kind's profile.
await WorkerCommand.main(profile: .saposute)
