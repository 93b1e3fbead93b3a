namespace Hubix.Content;

/// <summary>The content library: dated packs of images, posts and market updates, their media and its upload to the Cloud API.</summary>
public static class ContentFeature
{
    public static IHostApplicationBuilder AddContent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHubixOptions<ContentOptions>();
        builder.Services.AddSingleton<MediaUploader>();
        return builder;
    }

    public static IEndpointRouteBuilder MapContent(this IEndpointRouteBuilder app)
    {
        ContentEndpoints.Map(app);
        return app;
    }
}
