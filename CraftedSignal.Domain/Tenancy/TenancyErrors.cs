using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Tenancy;

public sealed record LastOwnerRequired()
    : Error("A company must keep at least one Owner. Make another member Owner first.", ErrorKind.Conflict);

public sealed record OnlyOwnerMayChangeOwner()
    : Error("Only an Owner can make someone Owner, or change or remove an Owner.", ErrorKind.NotPermitted);

public sealed record NotPermitted(Permission Permission)
    : Error($"Your role in this company does not allow this ({Permission} permission needed).", ErrorKind.NotPermitted);

public sealed record NoCurrentCompany()
    : Error("You are not a member of any company. Ask an Admin for an invitation.", ErrorKind.NotPermitted);

public sealed record InvitationInvalid()
    : Error("This invitation link is not valid. Check that you copied the whole link, or ask for a new one.", ErrorKind.NotFound);

public sealed record InvitationExpired(DateTime ExpiredAt)
    : Error($"This invitation expired on {ExpiredAt:yyyy-MM-dd HH:mm} UTC. Ask an Admin for a new link.", ErrorKind.Conflict);

public sealed record InvitationAlreadyUsed()
    : Error("This invitation has already been used. Sign in instead, or ask an Admin for a new link.", ErrorKind.Conflict);

public sealed record InvitationRevoked()
    : Error("This invitation was revoked. Ask an Admin for a new link.", ErrorKind.Conflict);

public sealed record InvitationEmailMismatch(string Email)
    : Error($"This invitation is for {Email}. Sign in or register with that address.", ErrorKind.NotPermitted);

public sealed record AlreadyMember(string Email)
    : Error($"{Email} is already a member of this company.", ErrorKind.Conflict);

public sealed record InstanceAlreadyClaimed()
    : Error("This CraftedSignal instance already has an Owner. Registration is by invitation: ask an Admin for a link.", ErrorKind.Conflict);

public sealed record SetupTokenRequired()
    : Error("This instance can be reached from other machines, so claiming it needs its setup token. The app writes it to its log at start; on the server, `CraftedSignal.Web setup-token` prints it.", ErrorKind.NotPermitted);

public sealed record SetupTokenWrong()
    : Error("That is not this instance's setup token. Copy it again from the app's log or from `CraftedSignal.Web setup-token` on the server.", ErrorKind.NotPermitted);
