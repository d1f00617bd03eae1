using CraftedSignal.Web.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CraftedSignal.Tests.Web;

public sealed class SignInThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly SignInThrottle _throttle;

    public SignInThrottleTests() =>
        _throttle = new SignInThrottle(Options.Create(new SignInThrottleOptions { FailuresPerAccountAndAddress = 3, FailuresPerAddress = 5, MaxTracked = 4 }), _clock);

    [Fact]
    public void AnAddress_IsRefusedForTheWindow_ThenMayTryAgain_AndTheWindowsCountIsTakenOnce()
    {
        Assert.True(_throttle.RecordFailure(Attempt("a")));
        Assert.False(_throttle.RecordFailure(Attempt("a")));
        Assert.False(_throttle.RecordFailure(Attempt("a")));

        var refused = _throttle.Refusal("203.0.113.7", "a");
        var otherAddress = _throttle.Refusal("198.51.100.2", "a");
        _clock.Advance(TimeSpan.FromMinutes(15));
        var afterTheWindow = _throttle.Refusal("203.0.113.7", "a");
        var ended = _throttle.TakeEnded();

        Assert.Equal(TimeSpan.FromMinutes(15), refused);
        Assert.Null(otherAddress);
        Assert.Null(afterTheWindow);
        var count = Assert.Single(ended);
        Assert.Equal((4, 1), (count.Attempts, count.Refused));
        Assert.Empty(_throttle.TakeEnded());
    }

    [Fact]
    public void ASuccess_EndsItsAccountWindow_ButTheAddressKeepsItsCount()
    {
        for (var i = 0; i < 2; i++)
            _throttle.RecordFailure(Attempt("a"));
        _throttle.RecordSuccess("203.0.113.7", "a");
        var afterSuccess = _throttle.Refusal("203.0.113.7", "a");
        for (var i = 0; i < 3; i++)
            _throttle.RecordFailure(Attempt("b" + i));

        Assert.Null(afterSuccess);
        // Five failures from the address, over four accounts: it may try none now, not even the one it signed in to.
        Assert.NotNull(_throttle.Refusal("203.0.113.7", "a"));
        Assert.NotNull(_throttle.Refusal("203.0.113.7", "c"));
        Assert.Null(_throttle.Refusal("198.51.100.2", "c"));
        Assert.Equal(2, Assert.Single(_throttle.TakeEnded()).Attempts);
    }

    [Fact]
    public void PastMaxTracked_WindowsEndEarly_SoMemoryStaysBounded()
    {
        var tracked = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            _throttle.RecordFailure(Attempt("x" + i, "192.0.2." + i));
            _throttle.RecordFailure(Attempt("x" + i, "192.0.2." + i));
            tracked.Add(_throttle.TrackedWindows);
        }

        Assert.All(tracked, t => Assert.InRange(t, 1, 4));
        // Windows ended early still report their counts.
        Assert.NotEmpty(_throttle.TakeEnded(all: true));
    }

    private static SignInAttempt Attempt(string account, string address = "203.0.113.7") => new(address, account, "password", null, null, account);
}
