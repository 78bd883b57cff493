// The staff's words and the rules for their answers live in TsunagiStaff, which the desk shares;
// the worker's commands and its users see them as the worker's own.
@_exported import TsunagiStaff
