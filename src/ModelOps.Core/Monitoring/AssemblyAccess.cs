using System.Runtime.CompilerServices;

// The monitoring benchmark times the internal statistics directly; the Core project file belongs to another owner,
// so the grant lives next to the code it opens up.
[assembly: InternalsVisibleTo("ModelOps.Monitoring.Bench")]
