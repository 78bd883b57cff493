// The end-to-end tests use the one test harness every suite shares (Tests/TsunagiTestSupport):
// built executables, child processes, networks, waiting for conditions.
@_exported import TsunagiTestSupport
