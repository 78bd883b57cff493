import TsunagiWorker

// A municipality's worker (市町村): the shared worker with this kind's profile.
await WorkerCommand.main(profile: .municipality)
