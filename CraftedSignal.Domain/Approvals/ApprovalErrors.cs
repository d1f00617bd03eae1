using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Approvals;

public sealed record NotSubmittable(string Reason) : Error(Reason, ErrorKind.Conflict);

public sealed record OwnChange()
    : Error("You wrote, restored or imported part of this change since the last approved version, or asked for its review: someone else has to review it. Authors never approve their own changes.", ErrorKind.NotPermitted);

public sealed record NotDecidable(string Reason) : Error(Reason, ErrorKind.Conflict);
