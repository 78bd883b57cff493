import TsunagiWorker

// The welfare-office agency's worker: the shared worker with this kind's profile.
await WorkerCommand.main(profile: .welfareOffice)
