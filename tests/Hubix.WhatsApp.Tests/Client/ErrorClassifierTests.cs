using Hubix.WhatsApp.Client;

namespace Hubix.WhatsApp.Tests.Client;

public class ErrorClassifierTests
{
    [Theory]
    [InlineData(130429, ErrorClass.Throughput)]
    [InlineData(131056, ErrorClass.PairRate)]
    [InlineData(4, ErrorClass.RetryLater)]
    [InlineData(80007, ErrorClass.RetryLater)]
    [InlineData(131000, ErrorClass.RetryLater)]
    [InlineData(131016, ErrorClass.RetryLater)]
    [InlineData(131057, ErrorClass.RetryLater)]
    [InlineData(1, ErrorClass.RetryLater)]
    [InlineData(2, ErrorClass.RetryLater)]
    [InlineData(131047, ErrorClass.WindowClosed)]
    [InlineData(100, ErrorClass.Permanent)]
    [InlineData(131026, ErrorClass.Permanent)]
    [InlineData(131051, ErrorClass.Permanent)]
    [InlineData(132000, ErrorClass.Permanent)]
    [InlineData(132001, ErrorClass.Permanent)]
    [InlineData(132005, ErrorClass.Permanent)]
    [InlineData(132007, ErrorClass.Permanent)]
    [InlineData(132012, ErrorClass.Permanent)]
    [InlineData(132015, ErrorClass.TemplateUnavailable)]
    [InlineData(132016, ErrorClass.TemplateUnavailable)]
    [InlineData(131048, ErrorClass.NumberRestricted)]
    [InlineData(131064, ErrorClass.NumberRestricted)]
    [InlineData(133016, ErrorClass.RetryLater)]
    [InlineData(133010, ErrorClass.Permanent)]
    [InlineData(368, ErrorClass.Permanent)]
    [InlineData(131031, ErrorClass.Permanent)]
    [InlineData(131042, ErrorClass.Permanent)]
    [InlineData(131021, ErrorClass.Permanent)]
    [InlineData(130472, ErrorClass.Experiment)]
    [InlineData(131049, ErrorClass.MarketingLimit)]
    [InlineData(131050, ErrorClass.OptedOut)]
    [InlineData(190, ErrorClass.Auth)]
    [InlineData(0, ErrorClass.Auth)]
    [InlineData(3, ErrorClass.Auth)]
    [InlineData(10, ErrorClass.Auth)]
    [InlineData(200, ErrorClass.Auth)]
    [InlineData(250, ErrorClass.Auth)]
    [InlineData(299, ErrorClass.Auth)]
    public void Known_codes_are_classified_by_code(int code, ErrorClass expected)
    {
        Assert.Equal(expected, ErrorClassifier.Classify(code, 400));
        // The HTTP status does not change the class of a known code.
        Assert.Equal(expected, ErrorClassifier.Classify(code, 401));
        Assert.Equal(expected, ErrorClassifier.Classify(code, 500));
        Assert.Equal(expected, ErrorClassifier.Classify(code, null));
    }

    [Theory]
    [InlineData(199)]
    [InlineData(300)]
    [InlineData(999999)]
    public void Unknown_codes_are_permanent_unless_the_server_failed(int code)
    {
        Assert.Equal(ErrorClass.Permanent, ErrorClassifier.Classify(code, 400));
        Assert.Equal(ErrorClass.Permanent, ErrorClassifier.Classify(code, 401));
        Assert.Equal(ErrorClass.Permanent, ErrorClassifier.Classify(code, null));
        Assert.Equal(ErrorClass.RetryLater, ErrorClassifier.Classify(code, 503));
    }

    [Theory]
    [InlineData(null, ErrorClass.RetryLater)] // timeout, connection error
    [InlineData(500, ErrorClass.RetryLater)]
    [InlineData(502, ErrorClass.RetryLater)]
    [InlineData(503, ErrorClass.RetryLater)]
    [InlineData(408, ErrorClass.RetryLater)]
    [InlineData(429, ErrorClass.RetryLater)]
    [InlineData(401, ErrorClass.Permanent)] // no Meta code: never Auth by accident
    [InlineData(403, ErrorClass.Permanent)]
    [InlineData(404, ErrorClass.Permanent)]
    [InlineData(200, ErrorClass.Permanent)] // a 2xx we could not read: may have been sent, don't resend
    public void Transport_failures_are_classified_by_status(int? status, ErrorClass expected) =>
        Assert.Equal(expected, ErrorClassifier.Classify(GraphError.TransportFailureCode, status));

    [Fact]
    public void Local_validation_failures_are_permanent() =>
        Assert.Equal(ErrorClass.Permanent, ErrorClassifier.Classify(GraphError.ValidationFailureCode, null));

    [Theory]
    [InlineData(ErrorClass.RetryLater, true)]
    [InlineData(ErrorClass.Throughput, true)]
    [InlineData(ErrorClass.PairRate, true)]
    [InlineData(ErrorClass.MarketingLimit, true)]
    [InlineData(ErrorClass.NumberRestricted, true)]
    [InlineData(ErrorClass.Experiment, false)]
    [InlineData(ErrorClass.TemplateUnavailable, false)]
    [InlineData(ErrorClass.Permanent, false)]
    [InlineData(ErrorClass.WindowClosed, false)]
    [InlineData(ErrorClass.OptedOut, false)]
    [InlineData(ErrorClass.Auth, false)]
    public void Retryable_classes(ErrorClass c, bool retryable) => Assert.Equal(retryable, ErrorClassifier.IsRetryable(c));
}

public class ErrorCatalogTests
{
    public static TheoryData<int> ReferenceCodes =>
    [
        131047, 131026, 130429, 131056, 131048, 131049, 131050, 132000, 132001, 132005, 132007, 132012, 132015, 132016,
        131051, 131052, 131053, 100, 190, 0, 3, 10, 200, 299, 4, 80007, 133010, 131000, 131016, 1, 2, 131057, 368, 131031,
        131042, 131021, 130472, 131064, 133016, GraphError.TransportFailureCode, GraphError.ValidationFailureCode,
    ];

    [Theory]
    [MemberData(nameof(ReferenceCodes))]
    public void Every_code_of_the_reference_table_has_a_description(int code)
    {
        Assert.True(ErrorCatalog.IsKnown(code));
        var (title, meaning, action) = ErrorCatalog.Describe(code);
        Assert.False(string.IsNullOrWhiteSpace(title));
        Assert.False(string.IsNullOrWhiteSpace(meaning));
        Assert.False(string.IsNullOrWhiteSpace(action));
        Assert.DoesNotContain("Unknown error", title);
    }

    [Fact]
    public void Window_closed_says_to_send_a_template()
    {
        var d = ErrorCatalog.Describe(131047);
        Assert.Contains("24 hours", d.Meaning);
        Assert.Contains("template", d.Action);
    }

    [Fact]
    public void Unknown_code_is_described_as_unknown_and_permanent()
    {
        Assert.False(ErrorCatalog.IsKnown(987654));
        var d = ErrorCatalog.Describe(987654);
        Assert.Equal("Unknown error 987654", d.Title);
        Assert.Contains("permanent", d.Action);
    }
}
