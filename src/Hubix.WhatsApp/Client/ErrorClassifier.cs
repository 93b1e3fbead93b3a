namespace Hubix.WhatsApp.Client;

/// <summary>What the delivery engine should do with a failed send (REFERENCE §10, §11).</summary>
public enum ErrorClass
{
    /// <summary>Don't retry this message as it is; it fails again. Also every code we don't know.</summary>
    Permanent,

    /// <summary>Transient: retry later with back-off (Meta/API rate limits, temporary errors, 5xx, timeouts, connection errors).</summary>
    RetryLater,

    /// <summary>130429: the phone number's throughput (80 mps default) is exceeded; slow the whole sender down.</summary>
    Throughput,

    /// <summary>131056: too many messages to this one recipient; back off for that recipient only (4^X s).</summary>
    PairRate,

    /// <summary>131047: the 24-hour window is closed; never retry as free-form, send an approved template instead.</summary>
    WindowClosed,

    /// <summary>131049: per-user marketing limit; retry after 24 hours at the earliest.</summary>
    MarketingLimit,

    /// <summary>131050: the user stopped marketing messages; record an opt-out.</summary>
    OptedOut,

    /// <summary>Token or permission problem (190, 0, 3, 10, 200–299); nothing succeeds until the token is fixed.</summary>
    Auth,

    /// <summary>
    /// 131048 (too many messages blocked or flagged as spam) and 131064 (template classification violations): the number's
    /// sending is restricted. Not a tight retry: retry after a long back-off, check the quality rating, alert (REFERENCE §10).
    /// </summary>
    NumberRestricted,

    /// <summary>130472: the recipient's number is part of a Meta experiment; this message will not go through, nobody is at fault.</summary>
    Experiment,

    /// <summary>132015 (paused) / 132016 (disabled) for low quality: the template cannot be sent at all until it is fixed or replaced.</summary>
    TemplateUnavailable,
}

/// <summary>
/// Classifies Graph errors by Meta's <c>code</c>, as Meta tells integrators to (REFERENCE §10); the HTTP status only
/// matters for codes we don't know and for our own transport code <see cref="GraphError.TransportFailureCode"/>.
/// </summary>
public static class ErrorClassifier
{
    private static readonly HashSet<int> RetryLaterCodes = [4, 80007, 131000, 131016, 131057, 133016, 1, 2];

    private static readonly HashSet<int> PermanentCodes =
    [
        100, 131026, 131051, 132000, 132001, 132005, 132007, 132012, 133010, 368, 131031, 131042, 131021,
    ];

    private static readonly HashSet<int> AuthCodes = [190, 0, 3, 10];

    /// <summary>
    /// Meta code → class. Unknown codes are <see cref="ErrorClass.Permanent"/>, except with HTTP 5xx where they are
    /// <see cref="ErrorClass.RetryLater"/>. <see cref="GraphError.TransportFailureCode"/> (no Graph envelope: timeout,
    /// connection error, bare HTTP error) is RetryLater when there is no status or it is 5xx, 408 or 429, else Permanent.
    /// <see cref="GraphError.ValidationFailureCode"/> (rejected locally) is Permanent. Nothing without a Meta auth code
    /// is ever classified as <see cref="ErrorClass.Auth"/>.
    /// </summary>
    public static ErrorClass Classify(int code, int? httpStatus)
    {
        switch (code)
        {
            case 130429:
                return ErrorClass.Throughput;
            case 131056:
                return ErrorClass.PairRate;
            case 131047:
                return ErrorClass.WindowClosed;
            case 131049:
                return ErrorClass.MarketingLimit;
            case 131050:
                return ErrorClass.OptedOut;
            case 131048 or 131064:
                return ErrorClass.NumberRestricted;
            case 130472:
                return ErrorClass.Experiment;
            case 132015 or 132016:
                return ErrorClass.TemplateUnavailable;
            case GraphError.ValidationFailureCode:
                return ErrorClass.Permanent;
            case GraphError.TransportFailureCode:
                return httpStatus is null or >= 500 or 408 or 429 ? ErrorClass.RetryLater : ErrorClass.Permanent;
        }
        if (RetryLaterCodes.Contains(code))
        {
            return ErrorClass.RetryLater;
        }
        if (AuthCodes.Contains(code) || code is >= 200 and <= 299)
        {
            return ErrorClass.Auth;
        }
        if (PermanentCodes.Contains(code))
        {
            return ErrorClass.Permanent;
        }
        // Unknown code: permanent, unless the server says it failed (5xx).
        return httpStatus is >= 500 and <= 599 ? ErrorClass.RetryLater : ErrorClass.Permanent;
    }

    /// <summary>True for the classes where sending the same message again later can succeed.</summary>
    public static bool IsRetryable(ErrorClass errorClass) =>
        errorClass is ErrorClass.RetryLater or ErrorClass.Throughput or ErrorClass.PairRate or ErrorClass.MarketingLimit or ErrorClass.NumberRestricted;
}
