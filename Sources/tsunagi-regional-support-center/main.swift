import TsunagiWorker

// The regional support center's worker (ひきこもり地域支援センター): the shared worker with this kind's profile.
await WorkerCommand.main(profile: .regionalSupportCenter)
