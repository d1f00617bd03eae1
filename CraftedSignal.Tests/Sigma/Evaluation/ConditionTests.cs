using static CraftedSignal.Tests.Sigma.SigmaTestRules;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class ConditionTests
{
    private const string Selections = """
        selection_a:
            A: '1'
        selection_b:
            B: '1'
        filter_c:
            C: '1'
        _hidden:
            D: '1'
        """;

    private static bool Eval(string condition, string evt) => Matches($"{Selections}\ncondition: {condition}", evt);

    [Theory]
    [InlineData("selection_a and selection_b", """{"A":"1","B":"1"}""", true)]
    [InlineData("selection_a and selection_b", """{"A":"1"}""", false)]
    [InlineData("selection_a or selection_b", """{"B":"1"}""", true)]
    [InlineData("selection_a and not filter_c", """{"A":"1","C":"1"}""", false)]
    [InlineData("selection_a and not filter_c", """{"A":"1"}""", true)]
    [InlineData("1 of selection_*", """{"B":"1"}""", true)]
    [InlineData("all of selection_*", """{"B":"1"}""", false)]
    [InlineData("all of selection_*", """{"A":"1","B":"1"}""", true)]
    [InlineData("1 of selection_* and not 1 of filter*", """{"A":"1","C":"1"}""", false)]
    [InlineData("1 of them", """{"D":"1"}""", false)]
    [InlineData("1 of them", """{"C":"1"}""", true)]
    [InlineData("all of them", """{"A":"1","B":"1","C":"1"}""", true)]
    [InlineData("1 of _hidden", """{"D":"1"}""", true)]
    [InlineData("not selection_a", """{"B":"1"}""", true)]
    public void Condition_Forms_EvaluateAsSpecified(string condition, string evt, bool expected) =>
        Assert.Equal(expected, Eval(condition, evt));

    [Theory]
    [InlineData("selection_a or selection_b and filter_c", """{"A":"1"}""", true)]
    [InlineData("(selection_a or selection_b) and filter_c", """{"A":"1"}""", false)]
    [InlineData("not selection_a and selection_b", """{"B":"1"}""", true)]
    [InlineData("not selection_a and selection_b", """{"A":"1","B":"1"}""", false)]
    [InlineData("not (selection_a and selection_b)", """{"A":"1"}""", true)]
    [InlineData("not 1 of selection_* or filter_c", """{"C":"1","A":"1"}""", true)]
    public void Condition_Precedence_OrBindsLooserThanAndThanNot(string condition, string evt, bool expected) =>
        Assert.Equal(expected, Eval(condition, evt));

    [Fact]
    public void Condition_List_IsOr()
    {
        var detection = $"{Selections}\ncondition:\n    - selection_a\n    - selection_b";
        Assert.True(Matches(detection, """{"B":"1"}"""));
        Assert.False(Matches(detection, """{"C":"1"}"""));
    }
}
