import TsunagiWorker

// The employment-base agency's worker: the shared worker with this kind's profile.
await WorkerCommand.main(profile: .employmentBase)
