using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hubix.Sandbox.Tests")]
