using CraftedSignal.Domain.Targets.Elastic;

namespace CraftedSignal.Tests.Targets.Elastic;

/// <summary>What <see cref="ElasticConnection.Problem"/> refuses before anything is sent, and what its text never shows.</summary>
public sealed class ElasticConnectionTests
{
    private static readonly ElasticConnection Valid = new()
    {
        KibanaUrl = new Uri("https://kibana.example.com:5601/"),
        ApiKey = KibanaTestServer.ManagerKey,
    };

    [Fact]
    public void TheDefaults_AreValid_AndMatchKibanasDefaults()
    {
        Assert.Null(Valid.Problem());
        Assert.Equal(("5m", "now-6m", "default", ElasticRuleType.Query), (Valid.IntervalText, Valid.FromText, Valid.Space, Valid.RuleType));
        Assert.Equal(["logs-*", "winlogbeat-*"], Valid.IndexPatterns);
        Assert.Null((Valid with { KibanaUrl = new Uri("https://example.com/kibana") }).Problem());
    }

    [Theory]
    [InlineData("Space", "../default")]
    [InlineData("Space", "SOC")]
    [InlineData("Space", "soc/api")]
    [InlineData("Space", "")]
    [InlineData("Space", "soc?x=1")]
    public void ABadSpace_IsRefused(string field, string space)
    {
        Assert.Equal(field, (Valid with { Space = space }).Problem()?.Field);
    }

    [Theory]
    [InlineData("http://kibana.example.com:5601/")]
    [InlineData("https://user:pass@kibana.example.com/")]
    [InlineData("https://kibana.example.com/s/soc/")]
    [InlineData("https://kibana.example.com/api/")]
    [InlineData("https://kibana.example.com/a%2F..%2Fb/")]
    [InlineData("https://kibana.example.com/?next=x")]
    [InlineData("ftp://kibana.example.com/")]
    public void ABadKibanaUrl_IsRefused(string url)
    {
        Assert.Equal("KibanaUrl", (Valid with { KibanaUrl = new Uri(url) }).Problem()?.Field);
    }

    [Fact]
    public void PlainHttp_IsAllowedOnlyExplicitly()
    {
        Assert.Null((Valid with { KibanaUrl = new Uri("http://kibana.internal:5601/"), Transport = Valid.Transport with { AllowUnencryptedHttp = true } }).Problem());
    }

    [Theory]
    [InlineData("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==")]
    [InlineData("not base64 at all, with spaces")]
    [InlineData("bm9jb2xvbmluaGVyZWF0YWxs")]
    [InlineData("short")]
    public void AKeyNotInItsEncodedForm_IsRefused(string key)
    {
        var problem = (Valid with { ApiKey = key }).Problem();

        Assert.Equal("ApiKey", problem?.Field);
        Assert.DoesNotContain(key, problem!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("logs-*,other")]
    [InlineData("logs *")]
    [InlineData("logs-*|drop")]
    [InlineData("")]
    public void AnIndexPatternThatCouldChangeTheQuery_IsRefused(string pattern)
    {
        Assert.Equal("IndexPatterns", (Valid with { IndexPatterns = [pattern] }).Problem()?.Field);
    }

    [Fact]
    public void ScheduleAndLimits_AreChecked()
    {
        Assert.Equal("Interval", (Valid with { Interval = TimeSpan.FromSeconds(30) }).Problem()?.Field);
        Assert.Equal("Interval", (Valid with { Lookback = TimeSpan.FromMilliseconds(1500) }).Problem()?.Field);
        Assert.Equal("MaxSignals", (Valid with { MaxSignals = 0 }).Problem()?.Field);
        Assert.Equal(("1h", "now-90m"), ((Valid with { Interval = TimeSpan.FromHours(1), Lookback = TimeSpan.FromMinutes(30) }).IntervalText, (Valid with { Interval = TimeSpan.FromHours(1), Lookback = TimeSpan.FromMinutes(30) }).FromText));
    }

    [Fact]
    public void ToString_NeverPrintsTheKey()
    {
        var text = Valid.ToString();

        Assert.DoesNotContain(KibanaTestServer.ManagerKey, text, StringComparison.Ordinal);
        Assert.Contains("ApiKey = [redacted]", text, StringComparison.Ordinal);
        Assert.Contains("kibana.example.com", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("informational", "low", 10)]
    [InlineData("low", "low", 21)]
    [InlineData("medium", "medium", 47)]
    [InlineData("high", "high", 73)]
    [InlineData("critical", "critical", 99)]
    [InlineData(null, "medium", 47)]
    public void SigmaLevels_MapToSeverityAndARiskScoreInItsRange(string? level, string severity, int risk)
    {
        Assert.Equal((severity, risk), ElasticConnector.Severity(level));
    }
}
