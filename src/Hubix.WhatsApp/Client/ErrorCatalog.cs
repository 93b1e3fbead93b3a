using System.Globalization;

namespace Hubix.WhatsApp.Client;

/// <summary>Dashboard text for an error code: a short title, what Meta means, what to do.</summary>
public sealed record ErrorDescription(string Title, string Meaning, string Action);

/// <summary>Human descriptions of Meta's error codes, from REFERENCE §10 (Meta's error-codes page).</summary>
public static class ErrorCatalog
{
    private static readonly Dictionary<int, ErrorDescription> Known = new()
    {
        [131047] = new("Re-engagement message (24-hour window closed)",
            "More than 24 hours have passed since the recipient last replied to the sender number.",
            "Don't resend as free-form. Send an approved template instead; the window reopens when the client writes."),
        [131026] = new("Message undeliverable",
            "Unable to deliver: not a WhatsApp number, terms of service not accepted, or an outdated WhatsApp app.",
            "Don't retry automatically; check the number and contact the client by another channel."),
        [130429] = new("Throughput rate limit hit",
            "Cloud API message throughput for this phone number has been reached (80 messages/s by default).",
            "Retry later; the sender slows down until it is within the allowed rate."),
        [131056] = new("Pair rate limit hit",
            "Too many messages from this business number to the same recipient in a short time (about 1 per 6 s).",
            "Wait and retry for this recipient only (back-off 4^X seconds); other recipients are unaffected."),
        [131048] = new("Spam rate limit hit",
            "Messages from this number are restricted because too many were blocked or flagged as spam.",
            "Check the phone number's quality rating; don't retry tightly. Alert an administrator."),
        [131049] = new("Marketing message not delivered (per-user limit)",
            "Meta held the message back to maintain healthy ecosystem engagement (per-user marketing limit).",
            "Wait at least 24 hours before sending this client another marketing template."),
        [131050] = new("User stopped marketing messages",
            "The recipient opted out of marketing messages from this business.",
            "Record the opt-out; don't send marketing templates to this client."),
        [132000] = new("Template parameter count mismatch",
            "The number of parameters doesn't match the number of variables in the template.",
            "Fix the request or the template mapping; retrying won't help."),
        [132001] = new("Template does not exist",
            "The template doesn't exist in that language or isn't approved.",
            "Check the template name, language and approval status in WhatsApp Manager."),
        [132005] = new("Template hydrated text too long",
            "The translated text with parameters filled in is too long.",
            "Shorten the parameter values."),
        [132007] = new("Template format character policy violated",
            "The template content violates a WhatsApp policy.",
            "Edit the template or its parameter values."),
        [132012] = new("Template parameter format mismatch",
            "Parameter values are formatted incorrectly for the template.",
            "Fix the parameter values (types, format) in the request."),
        [132015] = new("Template paused",
            "The template is paused because of low quality.",
            "Edit the template or use another one; it can't be sent while paused."),
        [132016] = new("Template disabled",
            "The template has been permanently disabled because of low quality.",
            "Create and get approval for a new template."),
        [131051] = new("Unsupported message type",
            "The message type isn't supported.",
            "Fix the request; retrying won't help."),
        [131052] = new("Media download error",
            "Unable to download media sent by the user (for example larger than 100 MB).",
            "Ask the client to send the file again in another way."),
        [131053] = new("Media upload error",
            "Unable to upload the media used in the message (MIME type mismatch, link could not be fetched).",
            "Check the file type and that the link is publicly reachable, then retry."),
        [100] = new("Invalid parameter",
            "A parameter is unsupported, misspelled or exceeds a length limit.",
            "Read the details and fix the request; retrying won't help."),
        [190] = new("Access token expired or invalid",
            "The access token has expired, was revoked or is malformed.",
            "Generate a new system-user token and update the configuration; sending stops until then."),
        [0] = new("Authentication exception",
            "Meta could not authenticate the app user.",
            "Check the access token and its permissions."),
        [3] = new("API method permission",
            "The app lacks the capability or permission for this API method.",
            "Check the app's permissions (whatsapp_business_messaging) in the Meta app dashboard."),
        [10] = new("Permission denied",
            "Permission is not granted or has been removed.",
            "Check the token's permissions and that the phone number belongs to the business account."),
        [4] = new("Too many API calls (app)",
            "The app reached its API call rate limit.",
            "Retry later; reduce the call rate."),
        [80007] = new("Rate limit (business account)",
            "The WhatsApp Business Account reached its rate limit.",
            "Retry later; reduce the call rate."),
        [133010] = new("Phone number not registered",
            "The business phone number isn't registered on the WhatsApp Business Platform.",
            "Register the phone number with Cloud API."),
        [131000] = new("Something went wrong",
            "The message failed because of an unknown error.",
            "Retry later; if it persists, contact Meta support."),
        [131016] = new("Service unavailable",
            "The service is temporarily unavailable.",
            "Retry later; check the WhatsApp Business Platform status page."),
        [1] = new("API unknown",
            "Invalid request or possible server error.",
            "Retry later; if it persists, check the request."),
        [2] = new("API service",
            "Temporary downtime or overload at Meta.",
            "Retry later; check the status page."),
        [131057] = new("Account in maintenance mode",
            "The business account is in maintenance mode (for example a throughput upgrade, about a minute).",
            "Retry shortly."),
        [368] = new("Temporarily blocked for policy violations",
            "The business account is restricted or disabled for violating a platform policy.",
            "Check Business Support / WhatsApp Manager; don't retry."),
        [131031] = new("Account locked",
            "The business account has been locked.",
            "Contact Meta support; don't retry."),
        [131042] = new("Business eligibility payment issue",
            "There is a problem with the payment method of the business account.",
            "Fix the payment method in WhatsApp Manager."),
        [131021] = new("Recipient cannot be sender",
            "The recipient is the sending business number itself.",
            "Send to a different number."),
        [130472] = new("User's number is part of an experiment",
            "Meta withheld the message because the recipient is part of an experiment.",
            "Don't retry; contact the client another way if needed."),
        [131064] = new("Messaging limit for template violations",
            "Messaging is limited because of template classification violations.",
            "Wait until the enforcement ends; review template categories."),
        [133016] = new("Account registration rate limit",
            "Too many registration or deregistration attempts for this phone number.",
            "Try again later."),
        [GraphError.TransportFailureCode] = new("No answer from Meta",
            "The request timed out, the connection failed, or Meta answered with an HTTP error without an error body.",
            "Retried automatically; if it persists, check network access to graph.facebook.com."),
        [GraphError.ValidationFailureCode] = new("Rejected before sending",
            "The message breaks one of WhatsApp's limits (length, number of buttons, recipient format) and was not sent.",
            "Fix the message content; the details name the field."),
    };

    /// <summary>True when the code has a description of its own.</summary>
    public static bool IsKnown(int code) => Known.ContainsKey(code) || code is >= 200 and <= 299;

    /// <summary>Title, meaning and action for <paramref name="code"/>; a generic text for codes not in the catalog.</summary>
    public static ErrorDescription Describe(int code)
    {
        if (Known.TryGetValue(code, out var d))
        {
            return d;
        }
        if (code is >= 200 and <= 299)
        {
            return new ErrorDescription("API permission",
                "The token lacks a permission needed for this call (codes 200–299).",
                "Check the token's permissions and the app's access to the business account.");
        }
        return new ErrorDescription(
            string.Create(CultureInfo.InvariantCulture, $"Unknown error {code}"),
            "Meta returned an error code that is not in our catalog.",
            "Treated as permanent (not retried). Look the code up on Meta's error-codes page and read the details.");
    }
}
